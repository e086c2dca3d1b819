package validate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// outputResults is a batch of three files: one with an error, a warning
// and an explained warning, one that passes, and one that could not be
// read.
func outputResults(t *testing.T) []Result {
	t.Helper()
	c := checkTestCatalog(t)
	k, err := NewChecker(c)
	if err != nil {
		t.Fatal(err)
	}
	bad := goodCounty(c)
	bad.File = "in/2021_370811_任城区.xlsx"
	bad.Values["KG_PUHUI_ENROL"] = ckAt("学前教育", "E12", ckNum(1200))
	bad.Values["KG_ENROL"] = ckAt("学前教育", "E11", ckNum(1000))
	bad.Values["KG_BUILT"] = ckAt("学前教育", "E7", ckNote(ckNum(3), "一所改建未列入清单"))
	bad.Findings = []Finding{{Type: "unit-in-cell", Tier: "warning", Sheet: "学前教育", Cell: "E8", Code: "KG_SEATS", Value: "600个", Message: "新增学位数：单元格中填了单位“个”，已去掉单位按 600 读取；请只填数字"}}
	k.Check(bad, Options{Catalog: c, Round: "2021"})
	good := goodSchool(c)
	good.File = "in/2021_1137000001_任城区实验幼儿园.xlsx"
	k.Check(good, Options{Catalog: c, Round: "2021"})
	return []Result{
		{File: bad.File, Sub: bad},
		{File: good.File, Sub: good},
		{File: "in/坏文件.xlsx", Err: fmt.Errorf("in/坏文件.xlsx: %w: not a zip file", ErrNotWorkbook)},
	}
}

func TestWriteText(t *testing.T) {
	var b strings.Builder
	if err := WriteText(&b, outputResults(t)); err != nil {
		t.Fatal(err)
	}
	want := `文件 in/2021_370811_任城区.xlsx　单位 370811 任城区　逻辑错误 1　经验警告 2（已说明 1）
  [经验校验·已说明] 学前教育!E7 KG_BUILT = 3：3与清单中的幼儿园个数不一致（规则 R003） 说明：一所改建未列入清单
  [经验校验] 学前教育!E8 KG_SEATS = 600个：新增学位数：单元格中填了单位“个”，已去掉单位按 600 读取；请只填数字（unit-in-cell）
  [逻辑校验] 学前教育!E12 KG_PUHUI_ENROL = 1200：1200不能大于1000（规则 R001）
文件 in/2021_1137000001_任城区实验幼儿园.xlsx　单位 1137000001 任城区实验幼儿园　逻辑错误 0　经验警告 0（已说明 0）
  审核通过
合计 3 个文件：1 个有逻辑错误，1 个无法读取；逻辑错误 1 条，经验警告 2 条（已说明 1 条）
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteText (-want +got):\n%s", diff)
	}
}
