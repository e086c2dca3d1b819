package validate

import (
	"archive/zip"
	"path/filepath"
	"slices"
	"testing"
)

// TestAnnotateDropsUnsafeEntries: zip entries named /tmp/…, ../../… or
// C:/… used to be copied into the annotated copy, where unzipping it
// would write outside its folder; they are dropped.
func TestAnnotateDropsUnsafeEntries(t *testing.T) {
	path, s, opts, _ := annotateFixture(t)
	unsafe := []string{"/tmp/evil.sh", "../../evil.sh", `..\..\win.bat`, "xl/../../up.txt", "C:/x.txt"}
	for _, name := range unsafe {
		addPart(t, path, name, "boom")
	}
	dst := filepath.Join(t.TempDir(), "annotated.xlsx")
	if err := Annotate(path, s, dst, opts); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(dst)
	must(t, err)
	defer zr.Close()
	var names []string
	for _, zf := range zr.File {
		names = append(names, zf.Name)
	}
	for _, name := range names {
		if slices.Contains(unsafe, name) || slices.Contains([]string{"../../win.bat"}, name) {
			t.Errorf("annotated copy holds the entry %q", name)
		}
	}
	if !slices.Contains(names, "xl/workbook.xml") {
		t.Errorf("annotated copy entries %v: no xl/workbook.xml", names)
	}
	if _, err := Read(dst, opts); err != nil {
		t.Errorf("Read(annotated copy) = %v", err)
	}
}
