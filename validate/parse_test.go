package validate

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"edustat/catalog"
)

// Indicators of every type and blank meaning, for the parsing tests.
var (
	pSchools  = &catalog.Indicator{Code: "SCHOOLS", Name: "学校数", Unit: "所", Type: catalog.Integer, Blank: catalog.BlankZero}
	pPupils   = &catalog.Indicator{Code: "PUPILS", Name: "在校生数", Unit: "人", Type: catalog.Integer, Blank: catalog.BlankMissing}
	pClasses  = &catalog.Indicator{Code: "CLASSES", Name: "大班额数", Unit: "个", Type: catalog.Integer, Blank: catalog.BlankNA}
	pSpend    = &catalog.Indicator{Code: "SPEND", Name: "教育支出", Unit: "万元", Type: catalog.Decimal, Blank: catalog.BlankMissing}
	pArea     = &catalog.Indicator{Code: "AREA", Name: "占地面积", Unit: "千平方米", Type: catalog.Decimal, Blank: catalog.BlankZero}
	pShare    = &catalog.Indicator{Code: "SHARE", Name: "公办园占比", Unit: "%", Type: catalog.Percent, Input: true, Numerator: "A", Denominator: "B", Blank: catalog.BlankMissing}
	pRate     = &catalog.Indicator{Code: "RATE", Name: "普惠率", Unit: "%", Type: catalog.Percent, Numerator: "A", Denominator: "B"}
	pLevel    = &catalog.Indicator{Code: "LEVEL", Name: "足球特色", Type: catalog.Choice, Choices: []string{"国家级", "省级", "无"}, Blank: catalog.BlankMissing}
	pStage    = &catalog.Indicator{Code: "STAGE", Name: "建设类型", Type: catalog.Choice, Choices: []string{"新建", "改扩建"}, Blank: catalog.BlankNA}
	pNet      = &catalog.Indicator{Code: "NET", Name: "是否接入千兆网络", Type: catalog.YesNo, Blank: catalog.BlankMissing}
	pOpened   = &catalog.Indicator{Code: "OPENED", Name: "建校日期", Type: catalog.Date, Blank: catalog.BlankNA}
	pRemark   = &catalog.Indicator{Code: "REMARK", Name: "主要做法", Type: catalog.Text, Blank: catalog.BlankNA}
	pContact  = &catalog.Indicator{Code: "CONTACT", Name: "负责人", Type: catalog.Text, Blank: catalog.BlankMissing}
	pUnitless = &catalog.Indicator{Code: "TIMES", Name: "培训人次", Type: catalog.Integer, Blank: catalog.BlankZero}
)

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func numValue(x float64) Value { return Value{State: Filled, Num: x} }

func dateValue(y, m, d int) Value {
	t := day(y, m, d)
	return Value{State: Filled, Text: t.Format(time.DateOnly), Date: t}
}

func TestParseCell(t *testing.T) {
	missing, na := Value{State: Missing}, Value{State: NotApply}
	spelt := []string{"spelling/info"} // read right, but not as the 填报说明 asks
	tests := []struct {
		in    *catalog.Indicator
		raw   string
		pct   catalog.PctStyle // "" is points
		want  Value            // Raw is filled in from raw
		finds []string         // type/tier of each finding
	}{
		// Numbers, as typed and as stored.
		{pSchools, "62", "", numValue(62), nil},
		{pSchools, " 62 ", "", numValue(62), spelt},
		{pSchools, "\u00a062\u3000", "", numValue(62), spelt},
		{pSchools, "６２", "", numValue(62), spelt},
		{pSchools, "62.0", "", numValue(62), nil},
		{pSchools, "+62", "", numValue(62), nil},
		{pSchools, "-3", "", numValue(-3), nil},
		{pSchools, "1e3", "", numValue(1000), nil},
		{pPupils, "1,234", "", numValue(1234), spelt},
		{pPupils, "1，234", "", numValue(1234), spelt},
		{pPupils, "１，２３４，５６７", "", numValue(1234567), spelt},
		{pPupils, "1 234", "", numValue(1234), spelt},
		{pSpend, "1,234.56", "", numValue(1234.56), spelt},
		{pSpend, "1234．5", "", numValue(1234.5), spelt},
		{pSpend, ".5", "", numValue(0.5), nil},
		{pPupils, "1,23", "", missing, []string{"type-error/error"}},
		{pPupils, "12.5.3", "", missing, []string{"type-error/error"}},
		{pPupils, "62.5", "", missing, []string{"type-error/error"}},
		{pPupils, "abc", "", missing, []string{"type-error/error"}},
		{pPupils, "约300", "", missing, []string{"type-error/error"}},
		{pPupils, "#VALUE!", "", missing, []string{"type-error/error"}},
		// Units typed into the cell.
		{pSchools, "62所", "", numValue(62), []string{"unit-in-cell/warning"}},
		{pSchools, "62 所", "", numValue(62), []string{"unit-in-cell/warning"}},
		{pSchools, "６２所", "", numValue(62), []string{"unit-in-cell/warning"}},
		{pSchools, "62人", "", missing, []string{"type-error/error"}},
		{pSchools, "62%", "", missing, []string{"type-error/error"}},
		{pPupils, "1.2万人", "", numValue(12000), []string{"unit-converted/warning"}},
		{pPupils, "1.2万", "", numValue(12000), []string{"unit-converted/warning"}},
		{pPupils, "1.23456万", "", missing, []string{"unit-converted/warning", "type-error/error"}},
		{pSpend, "5.52亿元", "", numValue(55200), []string{"unit-converted/warning"}},
		{pSpend, "5.52亿", "", numValue(55200), []string{"unit-converted/warning"}},
		{pSpend, "55200万元", "", numValue(55200), []string{"unit-in-cell/warning"}},
		{pSpend, "300元", "", numValue(0.03), []string{"unit-converted/warning"}},
		{pSpend, "300美元", "", missing, []string{"type-error/error"}},
		{pArea, "12平方米", "", numValue(0.012), []string{"unit-converted/warning"}},
		{pUnitless, "1.5万", "", numValue(15000), []string{"unit-converted/warning"}},
		{pUnitless, "15000人次", "", missing, []string{"type-error/error"}},
		// Blank, 无, /, — and 0 by the indicator's blank meaning; a spelling
		// other than blank is said.
		{pSchools, "", "", numValue(0), nil},
		{pSchools, "无", "", numValue(0), spelt},
		{pSchools, "/", "", numValue(0), spelt},
		{pSchools, "—", "", numValue(0), spelt},
		{pSchools, "－", "", numValue(0), spelt},
		{pSchools, "-", "", numValue(0), spelt},
		{pSchools, "空", "", numValue(0), spelt},
		{pClasses, "", "", na, nil},
		{pClasses, "无", "", na, spelt},
		{pClasses, "／", "", na, spelt},
		{pClasses, "0", "", numValue(0), nil},
		{pPupils, "", "", missing, []string{"missing-cell/error"}},
		{pPupils, " ", "", missing, []string{"missing-cell/error"}},
		{pPupils, "无", "", missing, []string{"missing-cell/error"}},
		{pPupils, "——", "", missing, []string{"missing-cell/error"}},
		{pPupils, "0", "", numValue(0), nil},
		{pPupils, "０", "", numValue(0), spelt},
		{pContact, "", "", missing, []string{"missing-cell/error"}},
		{pRemark, "/", "", na, nil},
		// Percentages.
		{pShare, "81.7%", "", numValue(81.7), nil},
		{pShare, "81.7％", "", numValue(81.7), spelt},
		{pShare, "81.7 %", "", numValue(81.7), spelt},
		{pShare, "81.7", "", numValue(81.7), nil},
		{pShare, "100", "", numValue(100), nil},
		{pShare, "1", "", numValue(1), nil},
		{pShare, "0", "", numValue(0), nil},
		{pShare, "0.817", "", numValue(0.817), []string{"ambiguous-percent/warning"}},
		{pShare, "0.5%", "", numValue(0.5), nil},
		{pShare, "0.817", catalog.Fraction, numValue(81.7), nil},
		{pShare, "1", catalog.Fraction, numValue(100), nil},
		{pShare, "81.7", catalog.Fraction, numValue(81.7), []string{"ambiguous-percent/warning"}},
		{pShare, "81.7%", catalog.Fraction, numValue(81.7), nil},
		{pShare, "81.7人", "", missing, []string{"type-error/error"}},
		{pShare, "", "", missing, []string{"missing-cell/error"}},
		{pRate, "", "", missing, nil},
		{pRate, "#DIV/0!", "", missing, nil},
		{pRate, "81.7", "", missing, nil}, // pasted over the formula: not input
		// Yes/no.
		{pNet, "是", "", Value{State: Filled, Bool: true}, nil},
		{pNet, " 否 ", "", Value{State: Filled}, nil},
		{pNet, "有", "", Value{State: Filled, Bool: true}, nil},
		{pNet, "无", "", Value{State: Filled}, nil},
		{pNet, "Y", "", Value{State: Filled, Bool: true}, nil},
		{pNet, "ｙｅｓ", "", Value{State: Filled, Bool: true}, nil},
		{pNet, "n", "", Value{State: Filled}, nil},
		{pNet, "√", "", Value{State: Filled, Bool: true}, nil},
		{pNet, "×", "", Value{State: Filled}, nil},
		{pNet, "1", "", Value{State: Filled, Bool: true}, nil},
		{pNet, "0", "", Value{State: Filled}, nil},
		{pNet, "TRUE", "", Value{State: Filled, Bool: true}, nil},
		{pNet, "也许", "", missing, []string{"type-error/error"}},
		{pNet, "", "", missing, []string{"missing-cell/error"}},
		{pNet, "/", "", missing, []string{"missing-cell/error"}},
		// Choices.
		{pLevel, "省级", "", Value{State: Filled, Text: "省级"}, nil},
		{pLevel, " 省级\u3000", "", Value{State: Filled, Text: "省级"}, nil},
		{pLevel, "无", "", Value{State: Filled, Text: "无"}, nil},
		{pLevel, "市级", "", missing, []string{"constraint-error/error"}},
		{pLevel, "", "", missing, []string{"missing-cell/error"}},
		{pStage, "改扩建", "", Value{State: Filled, Text: "改扩建"}, nil},
		{pStage, "无", "", na, nil},
		// Dates, as Excel stores them and as typed.
		{pOpened, "44440", "", dateValue(2021, 9, 1), nil},
		{pOpened, "44440.5", "", dateValue(2021, 9, 1), nil},
		{pOpened, "2021-09-01", "", dateValue(2021, 9, 1), nil},
		{pOpened, "2021-9-1", "", dateValue(2021, 9, 1), nil},
		{pOpened, "2021/9/1", "", dateValue(2021, 9, 1), nil},
		{pOpened, "2021.9.1", "", dateValue(2021, 9, 1), nil},
		{pOpened, "2021年9月1日", "", dateValue(2021, 9, 1), nil},
		{pOpened, "2021 年 9 月 1 日", "", dateValue(2021, 9, 1), nil},
		{pOpened, "20210901", "", dateValue(2021, 9, 1), nil},
		{pOpened, "２０２１－０９－０１", "", dateValue(2021, 9, 1), nil},
		{pOpened, "2021-09-01 00:00:00", "", dateValue(2021, 9, 1), nil},
		{pOpened, "2021-09-01T00:00:00Z", "", dateValue(2021, 9, 1), nil},
		{pOpened, "1", "", dateValue(1900, 1, 1), nil},
		{pOpened, "61", "", dateValue(1900, 3, 1), nil},
		{pOpened, "2021-02-30", "", missing, []string{"type-error/error"}},
		{pOpened, "2021", "", missing, []string{"type-error/error"}},
		{pOpened, "九月一日", "", missing, []string{"type-error/error"}},
		{pOpened, "", "", na, nil},
		{pOpened, "/", "", na, nil},
		// Text.
		{pRemark, " 建立联席会议制度 ", "", Value{State: Filled, Text: "建立联席会议制度"}, nil},
		{pRemark, "１２３", "", Value{State: Filled, Text: "１２３"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in.Code+"/"+tt.raw, func(t *testing.T) {
			pct := tt.pct
			if pct == "" {
				pct = catalog.Points
			}
			got, finds := ParseCell(tt.in, tt.raw, pct)
			want := tt.want
			want.Raw = tt.raw
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ParseCell(%s, %q, %s) (-want +got):\n%s", tt.in.Code, tt.raw, pct, diff)
			}
			var gotFinds []string
			for _, f := range finds {
				gotFinds = append(gotFinds, f.Type+"/"+string(f.Tier))
				if f.Code != tt.in.Code || f.Value != tt.raw || f.Message == "" {
					t.Errorf("ParseCell(%s, %q): finding %+v: want code, raw value and a message", tt.in.Code, tt.raw, f)
				}
			}
			if diff := cmp.Diff(tt.finds, gotFinds); diff != "" {
				t.Errorf("ParseCell(%s, %q, %s) findings (-want +got):\n%s", tt.in.Code, tt.raw, pct, diff)
			}
		})
	}
}

// TestParseCellFormat covers numbers whose cell's number format says what
// they are: a fraction shown as a percent, an Excel date serial.
func TestParseCellFormat(t *testing.T) {
	pf := []string{"percent-format/warning"}
	tests := []struct {
		in     *catalog.Indicator
		raw    string
		format cellFormat
		want   Value
		finds  []string
	}{
		{pShare, "0.817", formatPercent, Value{State: Filled, Num: 81.7, Raw: "81.7%"}, nil},
		{pShare, "0.81699999999999995", formatPercent, Value{State: Filled, Num: 81.7, Raw: "81.7%"}, nil},
		{pShare, "81.7%", formatPercent, Value{State: Filled, Num: 81.7, Raw: "81.7%"}, nil},
		{pOpened, "2021", formatDate, func() Value { v := dateValue(1905, 7, 13); v.Raw = "2021"; return v }(), nil},
		{pShare, "52.3", formatPercent, Value{State: Filled, Num: 52.3, Raw: "5230%"}, []string{"ambiguous-percent/warning"}},
		// A computed rate is not input, whatever its cell holds.
		{pRate, "1", formatPercent, Value{State: Missing, Raw: "1"}, nil},
		{pRate, "1.2", formatPercent, Value{State: Missing, Raw: "1.2"}, nil},
		{pRate, "0.8222", formatNone, Value{State: Missing, Raw: "0.8222"}, nil},
		// A percent format on an indicator that is not a percent: read as
		// stored, said and asked.
		{pSpend, "0.817", formatPercent, Value{State: Filled, Num: 0.817, Raw: "0.817"}, pf},
		{pSchools, "1", formatPercent, Value{State: Filled, Num: 1, Raw: "1"}, pf},
		{pSchools, "0.5", formatPercent, Value{State: Missing, Raw: "0.5"}, []string{"percent-format/warning", "type-error/error"}},
	}
	for _, tt := range tests {
		got, finds := parseCell(tt.in, tt.raw, catalog.Points, tt.format)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseCell(%s, %q, %d) (-want +got):\n%s", tt.in.Code, tt.raw, tt.format, diff)
		}
		var gotFinds []string
		for _, f := range finds {
			gotFinds = append(gotFinds, f.Type+"/"+string(f.Tier))
		}
		if diff := cmp.Diff(tt.finds, gotFinds); diff != "" {
			t.Errorf("parseCell(%s, %q, %d) findings (-want +got):\n%s", tt.in.Code, tt.raw, tt.format, diff)
		}
	}
}

func TestNumFmtKind(t *testing.T) {
	str := func(s string) *string { return &s }
	tests := []struct {
		id     int
		custom *string
		want   cellFormat
	}{
		{0, nil, formatNone},
		{2, nil, formatNone},
		{9, nil, formatPercent},
		{10, nil, formatPercent},
		{14, nil, formatDate},
		{31, nil, formatDate},
		{57, nil, formatDate},
		{164, str("0.0%"), formatPercent},
		{164, str(`0.0"%"`), formatNone},
		{164, str("yyyy-mm-dd"), formatDate},
		{164, str(`yyyy"年"m"月"d"日"`), formatDate},
		{164, str("[$-804]yyyy/m/d"), formatDate},
		{164, str(`#,##0.00"万元"`), formatNone},
		{164, str(`[Red]0.00`), formatNone},
		{164, str(`"day"0`), formatNone},
	}
	for _, tt := range tests {
		if got := numFmtKind(tt.id, tt.custom); got != tt.want {
			c := ""
			if tt.custom != nil {
				c = *tt.custom
			}
			t.Errorf("numFmtKind(%d, %q) = %d, want %d", tt.id, c, got, tt.want)
		}
	}
}

// FuzzParseCell checks that no text makes parsing panic, and that what is
// read is consistent.
func FuzzParseCell(f *testing.F) {
	for _, s := range []string{"62", "62所", "5.52亿元", "1,234", "１２３", "81.7%", "0.817", "无", "2021年9月1日", "44440", "是", "1e308", "9e999万", ",,,", "-.", "亿亿亿亿亿"} {
		f.Add(s)
	}
	ins := []*catalog.Indicator{pSchools, pPupils, pClasses, pSpend, pArea, pShare, pRate, pLevel, pNet, pOpened, pRemark, pUnitless}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, in := range ins {
			for _, pct := range []catalog.PctStyle{catalog.Points, catalog.Fraction} {
				v, finds := ParseCell(in, raw, pct)
				if v.Raw != raw {
					t.Fatalf("ParseCell(%s, %q).Raw = %q", in.Code, raw, v.Raw)
				}
				if v.State == Missing && in.Blank == catalog.BlankMissing && !in.Computed() && len(finds) == 0 {
					t.Fatalf("ParseCell(%s, %q): missing without a finding", in.Code, raw)
				}
				if v.State == Filled && in.Type == catalog.Integer && v.Num != float64(int64(v.Num)) && v.Num < 1e15 && v.Num > -1e15 {
					t.Fatalf("ParseCell(%s, %q) = %v, not an integer", in.Code, raw, v.Num)
				}
			}
		}
	})
}
