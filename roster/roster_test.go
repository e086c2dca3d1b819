package roster_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"edustat/roster"
)

const yamlRoster = `units:
  - {code: "370811", name: 任城区, kind: county, email: "a@example.cn; b@example.cn"}
  - {code: "370871", name: 高新区, kind: zone}
  - {code: "2137000001", name: 任城区实验小学, kind: school, parent: "370811"}
  - {code: "1137000002", name: 高新区幼儿园, kind: school, parent: "370871"}
`

func TestParseFormats(t *testing.T) {
	csvRoster := "\xef\xbb\xbf代码,名称,级别,上级,联系人,邮箱\n370811,任城区,县,,张丽,a@example.cn\n370871,高新区,功能区,,,\n2137000001,任城区实验小学,学校,370811,,\n1137000002,高新区幼儿园,school,370871,,\n"
	f := excelize.NewFile()
	for i, row := range [][]any{
		{"code", "name", "level", "parent"},
		{"370811", "任城区", "county", ""},
		{"370871", "高新区", "zone", ""},
		{"2137000001", "任城区实验小学", "school", "370811"},
		{"1137000002", "高新区幼儿园", "school", "370871"},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &row)
	}
	var xlsx bytes.Buffer
	if err := f.Write(&xlsx); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"units.yaml", []byte(yamlRoster)},
		{"units.csv", []byte(csvRoster)},
		{"units.xlsx", xlsx.Bytes()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := roster.Parse(tt.name, tt.data)
			if err != nil {
				t.Fatalf("Parse = %v", err)
			}
			var got []string
			for _, u := range r.Units {
				got = append(got, u.Code+" "+string(u.Kind)+" "+u.Parent)
			}
			want := []string{"370811 county ", "370871 zone ", "2137000001 school 370811", "1137000002 school 370871"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("units (-want +got):\n%s", diff)
			}
			if got := r.Schools("370871"); len(got) != 1 || got[0].SchoolType() != "幼儿园" {
				t.Errorf("Schools(370871) = %v, want the kindergarten", got)
			}
		})
	}
}

func TestEmails(t *testing.T) {
	r, err := roster.Parse("u.yaml", []byte(yamlRoster))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Unit("370811").Emails(), []string{"a@example.cn", "b@example.cn"}; !cmp.Equal(got, want) {
		t.Errorf("Emails() = %v, want %v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, file, data, want string
	}{
		{"school code", "u.yaml", "units:\n  - {code: \"21370001\", name: x, kind: school, parent: \"370811\"}\n  - {code: \"370811\", name: y, kind: county}\n",
			`roster u.yaml: line 2: code "21370001": a school has a 10-digit 学校标识码: invalid roster`},
		{"unknown parent", "u.yaml", "units:\n  - {code: \"2137000001\", name: x, kind: school, parent: \"370899\"}\n",
			`roster u.yaml: line 2: school 2137000001 x: parent "370899" is neither the code nor the name of a county or zone of the roster: invalid roster`},
		{"unknown field", "u.yaml", "units:\n  - code: \"370811\"\n    name: y\n    kind: county\n  - code: \"3708110001\"\n    nmae: x\n",
			`roster u.yaml: line 6: unknown key "nmae" in unit: remove it, or correct it to one of code, name, kind, parent, contact, email, phone, schools: invalid roster`},
		{"text for the list", "u.yaml", "units: 任城区\n",
			`roster u.yaml: line 1: units: a list is expected here, not "任城区": write each item on a line of its own beginning with "- ", or [a, b] on one line: invalid roster`},
		{"one unit for the list", "u.yaml", "units:\n  code: \"370811\"\n  name: 任城区\n",
			`roster u.yaml: line 2: units: a list is expected here, not a group of keys: write each item on a line of its own beginning with "- ", or [a, b] on one line: invalid roster`},
		{"problems one to a line", "u.yaml", "units:\n  - code: [\"370811\"]\n    name: 任城区\n  - code: \"370812\"\n    name: {a: b}\n    colour: red\n    schools: many\n",
			"roster u.yaml: line 2: code: a single value is expected here, not a list: write one value, in quotes if it begins with [ or {: invalid roster\n" +
				"line 5: name: a single value is expected here, not a group of keys: write one value, in quotes if it begins with [ or {: invalid roster\n" +
				`line 6: unknown key "colour" in unit: remove it, or correct it to one of code, name, kind, parent, contact, email, phone, schools: invalid roster` + "\n" +
				`line 7: schools: a whole number is expected here, not "many": write digits only, such as 40: invalid roster`},
		{"malformed", "u.yaml", "units:\n  - code: \"370811\n",
			`roster u.yaml: line 2: found unexpected end of stream: the YAML is malformed here (check the indentation, the colons and the quotes): invalid roster`},
		{"second unit's line", "u.yaml", "units:\n  - code: \"370811\"\n    name: y\n    kind: county\n\n  - code: \"370811\"\n    name: z\n    kind: county\n",
			`roster u.yaml: line 6: duplicate unit code 370811: invalid roster`},
		{"duplicate", "u.csv", "code,name,level\n370811,a,county\n370811,b,county\n",
			`roster u.csv: line 3: duplicate unit code 370811: invalid roster`},
		{"no kind column", "u.csv", "code,name\n370811,a\n",
			`roster u.csv: no "kind" column in the first row (want code, name, level, parent, contact, email, phone): invalid roster`},
		{"format", "u.txt", "x", `roster u.txt: unknown format ".txt": invalid roster (use .yaml, .csv or .xlsx)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := roster.Parse(tt.file, []byte(tt.data))
			if !errors.Is(err, roster.ErrInvalid) {
				t.Fatalf("Parse = %v, want ErrInvalid", err)
			}
			// The message says where the problem is and what it is.
			if msg := err.Error(); msg != tt.want {
				t.Errorf("Parse error message\n got %s\nwant %s", msg, tt.want)
			}
		})
	}
}

// TestParseAsBureausKeepThem reads rosters as spreadsheets export them:
// trailing empty cells dropped, schools under the county's name.
func TestParseAsBureausKeepThem(t *testing.T) {
	data := "代码,名称,级别,所属县区,邮箱\n370811,任城区,县\n370871,高新区,功能区\n2137000001,任城区实验小学,学校,任城区\n1137000002,高新区幼儿园,学校, 370871 ,k@example.cn\n"
	r, err := roster.Parse("u.csv", []byte(data))
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	for code, parent := range map[string]string{"2137000001": "370811", "1137000002": "370871"} {
		if got := r.Unit(code).Parent; got != parent {
			t.Errorf("Unit(%s).Parent = %q, want %q", code, got, parent)
		}
	}
	got, err := r.Select("", []string{" 370811", "2137000001 "})
	if err != nil || len(got) != 2 {
		t.Errorf("Select with spaces around codes = %v, %v, want 2 units", got, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("u.yaml", []byte(yamlRoster))
	f.Add("u.csv", []byte("code,name,level,parent\n370811,任城区,县\n2137000001,小学,学校,任城区\n"))
	f.Add("u.csv", []byte("code,name,level\n\"370811,a\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		r, err := roster.Parse(name, data)
		if err != nil {
			if !errors.Is(err, roster.ErrInvalid) {
				t.Fatalf("Parse error %v does not wrap ErrInvalid", err)
			}
			return
		}
		for _, u := range r.Units {
			if r.Unit(u.Code) == nil {
				t.Fatalf("unit %s not indexed", u.Code)
			}
		}
	})
}
