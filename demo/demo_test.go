package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"edustat/consolidate"
	"edustat/examples"
	"edustat/seeds"
)

// runDemoIn runs the demo into dir and returns its report.
func runDemoIn(t *testing.T, dir string) string {
	t.Helper()
	c, err := seeds.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	ros, err := seeds.Roster()
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	opts := Options{Catalog: c, Roster: ros, Examples: examples.FS, Dir: "2020", Out: dir, Stdout: &stdout, Stderr: io.Discard}
	if err := Run(context.Background(), opts); err != nil {
		t.Fatalf("demo: %v", err)
	}
	return stdout.String()
}

// TestDemoSeedFigures consolidates the example round and checks the city
// total of every 2020 figure the seed (济宁市教育局十三五工作总结) states.
func TestDemoSeedFigures(t *testing.T) {
	dir := t.TempDir()
	out := runDemoIn(t, dir)
	data, err := os.ReadFile(filepath.Join(dir, "汇总2020.csv"))
	if err != nil {
		t.Fatal(err)
	}
	city, err := cityTotals(data)
	if err != nil {
		t.Fatal(err)
	}
	exactly := func(want float64) func(float64) bool { return func(x float64) bool { return math.Abs(x-want) < 1e-6 } }
	between := func(lo, hi float64) func(float64) bool { return func(x float64) bool { return x >= lo && x < hi } }
	tests := []struct {
		code string
		want string // as the seed says it
		ok   func(float64) bool
	}{
		{"CTY_SCHOOLS", "各级各类学校幼儿园3677所", exactly(3677)},
		{"EDU_STUDENTS", "在校生164.8万人", exactly(1648000)},
		{"CTY_STAFF", "教职工12.3万人", exactly(123000)},
		{"KG_BUILT", "2020年新改扩建幼儿园62所", exactly(62)},
		{"KG_COMPLETED", "已竣工42所", exactly(42)},
		{"KG_SEATS", "增加学位1.3万个", exactly(13000)},
		{"KG_INVEST", "累计完成投资5.52亿元", exactly(55200)},
		{"KG_RECTIFY_DONE", "2018年以来完成整治241处", exactly(241)},
		{"KG_RECTIFY_RATE", "完成率81.7%", between(81.65, 81.75)},
		{"LC_BUILT", "新改扩建解决大班额学校16所", exactly(16)},
		{"LC_COMPLETED", "目前竣工9所", exactly(9)},
		{"LC_INVEST", "累计完成投资9.47亿元", exactly(94700)},
		{"CTY_LARGE56", "56人及以上大班额班级全面消除", exactly(0)},
		{"LARGE56_ELIMINATED", "1538个56人及以上大班额班级全面消除", exactly(1538)},
		{"SE_SCHOOLS", "特殊教育学校12所", exactly(12)},
		{"CTY_DISABLED", "在校残疾儿童5175人", exactly(5175)},
		{"CTY_DISABLED_INCL", "其中普通中小学随班就读2782人", exactly(2782)},
		{"SE_ENROLL_RATE", "残疾儿童入学率达到96%以上", between(96, 100.000001)},
		{"CTY_FOOTBALL_SCH", "国家级校园足球特色学校达到120所", exactly(120)},
		{"CTY_INTERNET_RATE", "中小学校互联网接入率达100%", exactly(100)},
		{"CTY_MM_RATE", "多媒体教室普及率达100%", exactly(100)},
		{"CTY_MM_CLASSROOMS", "多媒体教室2万多口", between(20000, 30000)},
		{"CTY_COMPUTERS", "联网计算机17万余台", between(170000, 180000)},
		{"TCH_RECRUITED", "2020年招聘教师4000余人", between(4000, 4100)},
		{"POOR_CHILDREN", "12044名适龄建档立卡儿童实行台账动态管理", exactly(12044)},
		{"PARTY_TRAINED", "2020年培训156人次", exactly(156)},
		{"PARTY_DEMO_SCH", "创建300所党建工作示范校", exactly(300)},
		{"QB_CREATE", "督促兖州、任城、邹城、金乡积极创建义务教育优质均衡县", exactly(4)},
		{"VOC_MAJORS", "共开设12个专业大类118个专业", exactly(118)},
		{"VOC_NAT_DEMO", "国家级中职示范校达到4所", exactly(4)},
		{"VOC_BRAND_MAJORS", "19个专业被评为省级品牌专业", exactly(19)},
		{"HV_QUALITY_SCH", "济宁职业技术学院入选省优质高等职业院校建设工程立项建设单位", exactly(1)},
		{"HE_FIRST_CLASS", "曲阜师范大学一流专业28个；济宁医学院、济宁学院分别有11个、6个", exactly(45)},
		{"SE_FUND_STD", "2019年8000元（汇总取最低标准）", exactly(8000)},
		{"SAFE_DEMO_SCH", "培育100所“安全管理示范校”", exactly(100)},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			s, ok := city[tt.code]
			if !ok {
				t.Fatalf("全市合计 has no %s; seed: %s", tt.code, tt.want)
			}
			x, err := strconv.ParseFloat(s, 64)
			if err != nil || !tt.ok(x) {
				t.Errorf("全市合计 %s = %s, want the seed's %s", tt.code, s, tt.want)
			}
		})
	}

	// The status names the unit that did not report and the late one.
	for _, want := range []string{"未报送  3637000403 鱼台县职业中等专业学校", "逾期    370832 梁山县，报出日期 2021-01-19"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

// TestDemoDeterministic runs the demo again, into another directory, and
// compares the outputs with the first run's byte for byte.
func TestDemoDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo twice")
	}
	a, b := t.TempDir(), t.TempDir()
	runDemoIn(t, a)
	runDemoIn(t, b)
	for _, name := range []string{"汇总2020.xlsx", "汇总2020.csv", "reports/审核报告.json", "reports/审核报告.txt"} {
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs of the demo", name)
		}
	}
}

// cityTotals reads the city's rows of a long-format CSV: value by
// indicator code.
func cityTotals(data []byte) (map[string]string, error) {
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	if len(rows) > 0 {
		for i, h := range rows[0] {
			col[h] = i
		}
	}
	city := map[string]string{}
	for _, row := range rows[min(1, len(rows)):] {
		if row[col["unit_name"]] == consolidate.CityLabel {
			city[row[col["indicator_code"]]] = row[col["value"]]
		}
	}
	return city, nil
}
