package validate

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

// rewriteParts rewrites the workbook at path, passing each zip entry
// through edit, which returns the entries to write in its place.
func rewriteParts(t testing.TB, path string, edit func(name string, data []byte) [][2]string) {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		must(t, err)
		b, err := io.ReadAll(rc)
		must(t, err)
		rc.Close()
		for _, e := range edit(zf.Name, b) {
			w, err := zw.Create(e[0])
			must(t, err)
			_, err = io.WriteString(w, e[1])
			must(t, err)
		}
	}
	must(t, zw.Close())
	must(t, os.WriteFile(path, out.Bytes(), 0o644))
}

// TestReadDuplicates: a workbook with two sheets of one name, or one zip
// entry twice, used to pass validation reading only one of them; it is
// refused as damaged, naming the duplicate.
func TestReadDuplicates(t *testing.T) {
	c, _ := readTestData(t)
	sheetName := regexp.MustCompile(`<sheet name="([^"]*)"`)
	tests := []struct {
		name string
		edit func(name string, data []byte) [][2]string
		want string // in the message
	}{
		{"two sheets of one name", func(name string, data []byte) [][2]string {
			s := string(data)
			if name == "xl/workbook.xml" {
				names := sheetName.FindAllStringSubmatch(s, -1)
				s = strings.Replace(s, `<sheet name="`+names[2][1]+`"`, `<sheet name="`+names[1][1]+`"`, 1)
			}
			return [][2]string{{name, s}}
		}, "有两个名为“" + rdFixedSheet + "”的工作表"},
		{"an entry twice", func(name string, data []byte) [][2]string {
			out := [][2]string{{name, string(data)}}
			if name == "xl/worksheets/sheet2.xml" {
				out = append(out, [2]string{name, strings.ReplaceAll(string(data), "<v>", "<v>9")})
			}
			return out
		}, "有两个名为 xl/worksheets/sheet2.xml 的部件"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := saveBook(t, filledCounty(t), "任城区.xlsx")
			rewriteParts(t, path, tt.edit)
			_, err := Read(path, Options{Catalog: c})
			if !errors.Is(err, ErrNotWorkbook) {
				t.Fatalf("Read = %v, want ErrNotWorkbook", err)
			}
			checkMessage(t, path, err)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Read = %v, want it to say %s", err, tt.want)
			}
		})
	}
}

// TestReadUTF16: a workbook whose sheets and shared strings are in UTF-16
// used to be reported as missing its forms; it reads as its UTF-8 twin.
func TestReadUTF16(t *testing.T) {
	want := readBook(t, saveBook(t, filledCounty(t), "任城区.xlsx"), Options{})
	path := saveBook(t, filledCounty(t), "任城区.xlsx")
	rewriteParts(t, path, func(name string, data []byte) [][2]string {
		if !strings.HasPrefix(name, "xl/worksheets/") && name != "xl/sharedStrings.xml" && name != "xl/workbook.xml" {
			return [][2]string{{name, string(data)}}
		}
		s := strings.Replace(string(data), `encoding="UTF-8"`, `encoding="UTF-16"`, 1)
		b := binary.LittleEndian.AppendUint16(nil, 0xFEFF)
		for _, u := range utf16.Encode([]rune(s)) {
			b = binary.LittleEndian.AppendUint16(b, u)
		}
		return [][2]string{{name, string(b)}}
	})
	got := readBook(t, path, Options{})
	if diff := cmp.Diff(want.Values, got.Values); diff != "" {
		t.Errorf("Values (-utf8 +utf16):\n%s", diff)
	}
	if diff := cmp.Diff(want.Lists, got.Lists); diff != "" {
		t.Errorf("Lists (-utf8 +utf16):\n%s", diff)
	}
	if diff := cmp.Diff(findingKeys(want.Findings), findingKeys(got.Findings)); diff != "" {
		t.Errorf("findings (-utf8 +utf16):\n%s", diff)
	}
}
