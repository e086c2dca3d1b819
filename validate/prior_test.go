package validate

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

const priorCSV = "\ufeffround,unit_code,unit_name,form,indicator_code,indicator_name,value\n" +
	"2020,370811,任城区,济教统9表,EDU_BUDGET_EXP,一般公共预算教育支出,250000.5\n" +
	"2020,370811,任城区,济教统9表,SAFE_LEDGER,是否建立校园安全风险台账,1\n" +
	"2020,370811,任城区,济教统1表,SCH_TYPE,学校类型,小学\n" +
	"2020,370811,任城区,济教统5表,QB_CREATE,是否创建义务教育优质均衡县,是\n" +
	"2020,370811,任城区,济教统5表,QB_APPLY,是否申报优质均衡省级验收,否\n" +
	"2020,370812,兖州区,济教统9表,EDU_BUDGET_EXP,一般公共预算教育支出,180000\n" +
	",,,,,,\n" +
	"2020,370812,兖州区,济教统9表,EDU_TOTAL_EXP,教育经费总支出,\n"

var priorWant = &Prior{Round: "2020", Values: map[string]map[string]float64{
	"370811": {"EDU_BUDGET_EXP": 250000.5, "SAFE_LEDGER": 1, "QB_CREATE": 1, "QB_APPLY": 0},
	"370812": {"EDU_BUDGET_EXP": 180000},
}}

func TestLoadPriorCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "2020.csv")
	if err := os.WriteFile(path, []byte(priorCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := LoadPrior(path)
	if err != nil {
		t.Fatalf("LoadPrior: %v", err)
	}
	if diff := cmp.Diff(priorWant, got); diff != "" {
		t.Errorf("LoadPrior (-want +got):\n%s", diff)
	}
}

func TestLoadPriorXLSX(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	if _, err := f.NewSheet(LongSheet); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimPrefix(priorCSV, "\ufeff"), "\n") {
		if line == "" {
			continue
		}
		for j, v := range strings.Split(line, ",") {
			var val any = v
			if _, err := strconv.ParseFloat(v, 64); j == 6 && i > 0 && err == nil {
				val = mustFloat(t, v)
			}
			f.SetCellValue(LongSheet, cellRef(j, i), val)
		}
	}
	if err := f.SetSheetVisible(LongSheet, false); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "2020_汇总.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadPrior(path)
	if err != nil {
		t.Fatalf("LoadPrior: %v", err)
	}
	if diff := cmp.Diff(priorWant, got); diff != "" {
		t.Errorf("LoadPrior (-want +got):\n%s", diff)
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestLoadPriorErrors(t *testing.T) {
	dir := t.TempDir()
	noSheet := excelize.NewFile()
	if err := noSheet.SaveAs(filepath.Join(dir, "summary.xlsx")); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"empty.csv":      "",
		"header.csv":     "unit,code,value\n370811,X,1\n",
		"rounds.csv":     "round,unit_code,indicator_code,value\n2020,370811,X,1\n2019,370811,Y,2\n",
		"no-unit.csv":    "round,unit_code,indicator_code,value\n2020,,X,1\n",
		"notes.txt":      "x",
		"broken.xlsx":    "not a zip",
		"quote.csv":      "round,unit_code,indicator_code,value\n2020,\"370811,X,1\n",
		"summary.xlsx":   "",
		"missing.csv":    "-",
		"truncated.xlsx": "PK\x03\x04",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			switch name {
			case "summary.xlsx", "missing.csv":
			default:
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := LoadPrior(path)
			if err == nil {
				t.Fatalf("LoadPrior(%s): no error", name)
			}
			if name == "missing.csv" {
				if !errors.Is(err, os.ErrNotExist) {
					t.Errorf("LoadPrior(%s) = %v, want a not-exist error", name, err)
				}
				return
			}
			if !errors.Is(err, ErrBadPrior) {
				t.Errorf("LoadPrior(%s) = %v, want ErrBadPrior", name, err)
			}
		})
	}
}

func FuzzPriorCSV(f *testing.F) {
	f.Add([]byte(priorCSV))
	f.Add([]byte("round,unit_code,indicator_code,value\n2020,370811,X,是\n"))
	f.Add([]byte("round,unit_code,indicator_code,value\n2020,\"370811,X,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := priorFromCSV("fuzz.csv", data)
		if err != nil {
			if !errors.Is(err, ErrBadPrior) {
				t.Errorf("priorFromCSV: %v does not wrap ErrBadPrior", err)
			}
			return
		}
		for unit, values := range p.Values {
			if unit == "" || values == nil {
				t.Errorf("prior values %q: %v", unit, values)
			}
		}
	})
}

// longBook saves a workbook of the given sheets, each a table of comma-
// separated lines, and returns its path.
func longBook(t *testing.T, sheets map[string]string, order ...string) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for _, name := range order {
		if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(strings.TrimSpace(sheets[name]), "\n") {
			for j, v := range strings.Split(line, ",") {
				f.SetCellValue(name, cellRef(j, i), v)
			}
		}
		if err := f.SetSheetVisible(name, false); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "汇总.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoadPriorSheets reads a summary whose long rows continue on _data2
// and _data3, in whatever order the workbook lists them; each sheet has a
// header of its own.
func TestLoadPriorSheets(t *testing.T) {
	path := longBook(t, map[string]string{
		"_data":  "round,unit_code,indicator_code,value\n2020,370811,EDU_BUDGET_EXP,250000.5\n2020,370811,SAFE_LEDGER,1",
		"_data2": "value,indicator_code,unit_code,round\n是,QB_CREATE,370811,2020\n否,QB_APPLY,370811,2020",
		"_data3": "round,unit_code,indicator_code,value\n2020,370812,EDU_BUDGET_EXP,180000\n2020,370812,EDU_TOTAL_EXP,",
	}, "_data3", "_data", "_data2")
	got, err := LoadPrior(path)
	if err != nil {
		t.Fatalf("LoadPrior: %v", err)
	}
	if diff := cmp.Diff(priorWant, got); diff != "" {
		t.Errorf("LoadPrior (-want +got):\n%s", diff)
	}
}

// TestLoadPriorSheetsBroken refuses long sheets that do not make one
// round's table: a gap in the sheets, a sheet without its header, a sheet
// of another round. Each error names the sheet.
func TestLoadPriorSheetsBroken(t *testing.T) {
	const head = "round,unit_code,indicator_code,value\n"
	tests := []struct {
		name   string
		sheets map[string]string
		order  []string
		want   string // in the error
	}{
		{"gap", map[string]string{"_data": head + "2020,370811,X,1", "_data3": head + "2020,370811,Y,1"}, []string{"_data", "_data3"}, "sheet _data3 but no sheet _data2"},
		{"no first", map[string]string{"_data2": head + "2020,370811,X,1"}, []string{"_data2"}, "no sheet _data"},
		{"no header", map[string]string{"_data": head + "2020,370811,X,1", "_data2": "2020,370811,Y,1"}, []string{"_data", "_data2"}, "sheet _data2 row 1"},
		{"rounds", map[string]string{"_data": head + "2020,370811,X,1", "_data2": head + "2019,370811,Y,1"}, []string{"_data", "_data2"}, "sheet _data2 row 2: not a prior round: round 2019"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadPrior(longBook(t, tt.sheets, tt.order...))
			if !errors.Is(err, ErrBadPrior) {
				t.Fatalf("LoadPrior = %v, want ErrBadPrior", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadPrior = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestLongSheetName(t *testing.T) {
	for n, want := range map[int]string{1: "_data", 2: "_data2", 3: "_data3", 12: "_data12"} {
		got := LongSheetName(n)
		if got != want {
			t.Errorf("LongSheetName(%d) = %q, want %q", n, got, want)
		}
		if m := longSheetNumber(got); m != n {
			t.Errorf("longSheetNumber(%q) = %d, want %d", got, m, n)
		}
	}
	for _, name := range []string{"_data1", "_data0", "_data02", "_data+2", "_data-2", "_data2x", "_datax", "data2", "_dat", "_data12345678"} {
		if n := longSheetNumber(name); n != 0 {
			t.Errorf("longSheetNumber(%q) = %d, want 0", name, n)
		}
	}
}

// TestLoadPriorRowByRow reads a summary's long sheets a row at a time: a
// limit of cells held that the whole table would be over does not stop it.
func TestLoadPriorRowByRow(t *testing.T) {
	old := PriorLimits
	PriorLimits.MaxCells = 8 // a row and a bit
	t.Cleanup(func() { PriorLimits = old })
	path := longBook(t, map[string]string{
		"_data":  "round,unit_code,indicator_code,value\n2020,370811,EDU_BUDGET_EXP,250000.5\n2020,370811,SAFE_LEDGER,1\n2020,370811,QB_CREATE,是",
		"_data2": "round,unit_code,indicator_code,value\n2020,370811,QB_APPLY,否\n2020,370812,EDU_BUDGET_EXP,180000",
	}, "_data", "_data2")
	got, err := LoadPrior(path)
	if err != nil {
		t.Fatalf("LoadPrior: %v", err)
	}
	if diff := cmp.Diff(priorWant, got); diff != "" {
		t.Errorf("LoadPrior (-want +got):\n%s", diff)
	}
}
