package demo

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"edustat/consolidate"
	"edustat/seeds"
	"edustat/validate"
)

// planted are the two suspect values examples/2020/round.yaml plants
// (its last two mistakes): each passes every rule, and the screens find
// exactly these, most extreme first.
var planted = []string{
	"SCR_SCH_COMPUTERS-2137000902",   // 梁山县第一实验小学: 1261 computers for 261
	"SCR_AID_PER_STUDENT_YOY-370828", // 金乡县: 77880 aided for 7788
}

func TestDemoScreen(t *testing.T) {
	dir := t.TempDir()
	out := runDemoIn(t, dir)

	// The report prints the screening, the planted two at the top.
	_, section, ok := strings.Cut(out, "\n数据核查：")
	if !ok {
		t.Fatalf("demo report has no 数据核查 section:\n%s", out)
	}
	lines := strings.Split(section, "\n")
	if !strings.Contains(lines[0], "可疑 2 条") {
		t.Errorf("数据核查 line = %q, want 可疑 2 条", lines[0])
	}
	for i, want := range []string{`^  1\. 2137000902 梁山县第一实验小学：每百名学生联网计算机数 78\.32台/百人，`, `^  2\. 370828 金乡县：人均资助金额（与上年比） 268\.19元/人次，上年 2,239\.49（-88%）$`} {
		if !regexp.MustCompile(want).MatchString(lines[1+i]) {
			t.Errorf("数据核查 line %d = %q, want it to match %s", 1+i, lines[1+i], want)
		}
	}

	// The summary's 核查 sheet lists exactly the two.
	f, err := excelize.OpenFile(filepath.Join(dir, "汇总2020.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(consolidate.ScreenSheet)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, row := range rows[2:] {
		if len(row) > 1 && row[0] != "" && !strings.HasPrefix(row[0], "共核查") && !strings.HasPrefix(row[0], "未判断") {
			ids = append(ids, row[1])
		}
	}
	if diff := cmp.Diff(planted, ids); diff != "" {
		t.Errorf("核查 sheet (-want +got):\n%s", diff)
	}
	// One 核查清单 for each of the two counties.
	lists, _ := filepath.Glob(filepath.Join(dir, dirChecklists, "*.xlsx"))
	for i := range lists {
		lists[i] = filepath.Base(lists[i])
	}
	if diff := cmp.Diff([]string{"2020_370828_金乡县_核查清单.xlsx", "2020_370832_梁山县_核查清单.xlsx"}, lists); diff != "" {
		t.Errorf("核查清单 (-want +got):\n%s", diff)
	}

	// Both planted values pass every rule: their files have no finding.
	c, err := seeds.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	prior, err := validate.LoadPrior(filepath.Join(dir, "prior", "汇总2019.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, unit := range []string{"2137000902", "370828"} {
		files, _ := filepath.Glob(filepath.Join(dir, dirSubmissions, "2020_"+unit+"_*.xlsx"))
		if len(files) != 1 {
			t.Fatalf("submissions of %s: %v", unit, files)
		}
		s, err := validate.Workbook(files[0], validate.Options{Catalog: c, Round: "2020", Prior: prior})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Findings) > 0 {
			t.Errorf("%s: planted value has findings %+v; it must pass every rule", unit, s.Findings)
		}
	}
}
