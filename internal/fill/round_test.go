package fill

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"edustat/examples"
)

// TestLoadRoundExamples reads the example round the demo runs on.
func TestLoadRoundExamples(t *testing.T) {
	_, _, r := testData(t)
	if r.Name != "2020" || r.Deadline.Format(time.DateOnly) != "2021-01-15" {
		t.Errorf("round %s due %v, want 2020 due 2021-01-15", r.Name, r.Deadline)
	}
	if r.Prior != "2019/汇总2019.csv" {
		t.Errorf("Prior = %q, want 2019/汇总2019.csv", r.Prior)
	}
	if _, err := fs.Stat(examples.FS, r.Prior); err != nil {
		t.Errorf("the prior round is not embedded: %v", err)
	}
	if len(r.Missing) != 1 || r.Missing[0] != "3637000403" {
		t.Errorf("Missing = %v, want [3637000403]", r.Missing)
	}
	// 14 counties and zones, 40 of the 41 schools, and 兖州区's first file.
	if len(r.Sends) != 55 {
		t.Errorf("%d sends, want 55", len(r.Sends))
	}
	byUnit := map[string][]*Send{}
	for _, s := range r.Sends {
		byUnit[s.Unit] = append(byUnit[s.Unit], s)
	}
	yz := byUnit["370812"]
	if len(yz) != 2 || yz[0].Label != "初报" || yz[0].Reported.Format(time.DateOnly) != "2021-01-08" || yz[1].Label != "" {
		t.Fatalf("兖州区 sends %+v, want 初报 of 2021-01-08 then the corrected file", yz)
	}
	if got := yz[0].Values.Fixed["KG_COMPLETED"].Typed; got != "6" {
		t.Errorf("兖州区 初报 KG_COMPLETED typed %q, want 6", got)
	}
	if got := yz[1].Values.Fixed["KG_COMPLETED"]; got.Typed != "" || got.Value != int64(4) {
		t.Errorf("兖州区 KG_COMPLETED = %+v, want 4 as a number", got)
	}
	if got := yz[0].Values.Footer["报出日期"]; got != "2021-01-08" {
		t.Errorf("兖州区 初报 报出日期 = %q, want 2021-01-08", got)
	}
	for _, tt := range []struct{ unit, code, typed string }{
		{"370811", "KG_BUILT", "9所"},
		{"370883", "LC_INVEST", "1.83亿元"},
		{"370830", "EDU_STUDENTS", "１１４，８０８"},
		{"370827", "POOR_DROPOUT", "无"},
	} {
		if got := byUnit[tt.unit][0].Values.Fixed[tt.code].Typed; got != tt.typed {
			t.Errorf("%s %s typed %q, want %q", tt.unit, tt.code, got, tt.typed)
		}
	}
	if got := byUnit["370829"][0].Values.Lists["济教统10表"][2].Cells["KGP_SEATS"]; got.Typed != "180个" || got.Value != int64(180) {
		t.Errorf("嘉祥县 project 3 seats = %+v, want 180 typed as 180个", got)
	}
	if got := byUnit["370811"][0].Values.Corrected().Fixed["KG_BUILT"]; got.Typed != "" || got.Value != int64(9) {
		t.Errorf("任城区 KG_BUILT corrected = %+v, want 9 as a number", got)
	}
	if got := byUnit["370811"][0].Values.Fixed["KG_BUILT"].Typed; got != "9所" {
		t.Errorf("Corrected changed the values it was called on: KG_BUILT typed %q", got)
	}
	if got := byUnit["370830"][0].Reported.Format(time.DateOnly); got != "2021-01-13" {
		t.Errorf("汶上县 reported %s, want 2021-01-13 (written 2021年1月13日)", got)
	}
	if got := byUnit["370831"][0].Values.Fixed["PARTY_STUDY"]; got.Value != int64(3) || !strings.Contains(got.Note, "疫情") {
		t.Errorf("泗水县 PARTY_STUDY = %+v, want 3 with a note", got)
	}
	var late []string
	for _, s := range r.Sends {
		if s.Reported.After(r.Deadline) {
			late = append(late, s.Unit)
		}
	}
	if len(late) != 1 || late[0] != "370832" {
		t.Errorf("late units %v, want [370832]", late)
	}
}

// The round has the city's figures: projects add up to the seed's.
func TestLoadRoundProjects(t *testing.T) {
	_, _, r := testData(t)
	var kg, kgDone, lc, lcDone int
	var seats, invest, lcInvest float64
	for _, s := range r.Sends {
		if s.Label != "" {
			continue
		}
		for _, rec := range s.Values.Lists["济教统10表"] {
			kg++
			if rec.Cells["KGP_DONE"].Value == "是" {
				kgDone++
			}
			seats += number(rec.Cells["KGP_SEATS"].Value)
			invest += number(rec.Cells["KGP_INVEST"].Value)
		}
		for _, rec := range s.Values.Lists["济教统11表"] {
			lc++
			if rec.Cells["LCP_DONE"].Value == "是" {
				lcDone++
			}
			lcInvest += number(rec.Cells["LCP_INVEST"].Value)
		}
	}
	if kg != 62 || kgDone != 42 || seats != 13000 || !near(invest, 55200) {
		t.Errorf("kindergarten projects %d, done %d, seats %v, invest %v; want 62, 42, 13000, 55200", kg, kgDone, seats, invest)
	}
	if lc != 16 || lcDone != 9 || !near(lcInvest, 94700) {
		t.Errorf("large-class projects %d, done %d, invest %v; want 16, 9, 94700", lc, lcDone, lcInvest)
	}
}

func number(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

func near(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }

func TestLoadRoundErrors(t *testing.T) {
	c, _, _ := testData(t)
	const round = "round: \"2020\"\ndeadline: 2021-01-15\n"
	const unit = "unit: \"370811\"\nname: 任城区\nfooter:\n  报出日期: 2021-01-10\n"
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no round file", map[string]string{"r/a.yaml": unit}, "example round: open r/round.yaml"},
		{"bad deadline", map[string]string{"r/round.yaml": "round: \"2020\"\ndeadline: 15.1.2021\n"}, `deadline "15.1.2021": want a date`},
		{"prior outside", map[string]string{"r/round.yaml": round + "prior: ../../x.csv\n"}, "lies outside the examples"},
		{"no unit code", map[string]string{"r/round.yaml": round, "r/a.yaml": "name: 任城区\n"}, "r/a.yaml: invalid example data: no unit code"},
		{"bad footer date", map[string]string{"r/round.yaml": round, "r/a.yaml": "unit: \"370811\"\nfooter:\n  报出日期: 下周\n"}, `footer 报出日期 "下周" is not a date`},
		{"unknown form", map[string]string{"r/round.yaml": round, "r/a.yaml": unit + "forms:\n  济教统99表: {}\n"}, `r/a.yaml:6: invalid example data: unknown form "济教统99表"`},
		{"code of another form", map[string]string{"r/round.yaml": round, "r/a.yaml": unit + "forms:\n  济教统4表:\n    KG_BUILT: 1\n"}, `r/a.yaml:7: invalid example data: 济教统4表 has no indicator "KG_BUILT"`},
		{"computed rate", map[string]string{"r/round.yaml": round, "r/a.yaml": unit + "forms:\n  济教统5表:\n    KG_RECTIFY_RATE: 81.7\n"}, "KG_RECTIFY_RATE is computed by the workbook"},
		{"bad entry key", map[string]string{"r/round.yaml": round, "r/a.yaml": unit + "forms:\n  济教统4表:\n    PARTY_STUDY: {value: 3, reason: x}\n"}, `unknown key "reason": want value and note`},
		{"list column", map[string]string{"r/round.yaml": round, "r/a.yaml": unit + "forms:\n  济教统10表:\n    - {KGP_NAME: x, LCP_SEATS: 1}\n"}, `济教统10表 has no column "LCP_SEATS"`},
		{"list not a list", map[string]string{"r/round.yaml": round, "r/a.yaml": unit + "forms:\n  济教统10表: {KGP_NAME: x}\n"}, "济教统10表: want a list of records"},
		{"duplicate unit", map[string]string{"r/round.yaml": round, "r/a.yaml": unit, "r/b.yaml": unit}, "unit 370811 also in r/a.yaml"},
		{"mistake without unit file", map[string]string{"r/round.yaml": round + "mistakes:\n  - {unit: \"370812\", code: KG_BUILT, typed: 9所}\n", "r/a.yaml": unit}, `mistake of unit "370812": no data file of that unit`},
		{"mistake of unknown code", map[string]string{"r/round.yaml": round + "mistakes:\n  - {unit: \"370811\", code: KG_BUIT, typed: 9所}\n", "r/a.yaml": unit}, `unknown indicator "KG_BUIT"`},
		{"mistake in a record not there", map[string]string{"r/round.yaml": round + "mistakes:\n  - {unit: \"370811\", form: 济教统10表, row: 2, code: KGP_SEATS, typed: 9个}\n", "r/a.yaml": unit}, "row 2: the unit has 0 records of 济教统10表"},
		{"earlier not earlier", map[string]string{"r/round.yaml": round + "earlier:\n  - {unit: \"370811\", reported: 2021-01-12}\n", "r/a.yaml": unit}, "reported 2021-01-12 is not before 2021-01-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, text := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(text)}
			}
			_, err := LoadRound(fsys, "r", c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LoadRound = %v, want an error saying %q", err, tt.want)
			}
			if tt.name != "no round file" && !errors.Is(err, ErrExample) {
				t.Errorf("LoadRound = %v, want it to wrap ErrExample", err)
			}
		})
	}
}

// TestLoadRoundYAMLErrors checks the whole message for YAML that does not
// decode: the file and line, the key, what is expected and what to write,
// in words (internal/yamlerr), one problem a line; never the decoder's text.
func TestLoadRoundYAMLErrors(t *testing.T) {
	c, _, _ := testData(t)
	const round = "round: \"2020\"\ndeadline: 2021-01-15\n"
	const unit = "unit: \"370811\"\nname: 任城区\nfooter:\n  报出日期: 2021-01-10\n"
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"unknown key", map[string]string{"r/round.yaml": round + "deadlines: 1\n"},
			`r/round.yaml:3: invalid example data: unknown key "deadlines" in round: remove it, or correct it to one of round, deadline, prior, missing, mistakes, earlier`},
		{"unknown key of a mistake", map[string]string{"r/round.yaml": round + "mistakes:\n  - {unit: \"370811\", code: KG_BUILT, typd: 9所}\n", "r/a.yaml": unit},
			`r/round.yaml:4: invalid example data: unknown key "typd" in mistake: remove it, or correct it to one of unit, form, row, code, typed, why`},
		{"missing not a list", map[string]string{"r/round.yaml": round + "missing: \"370811\"\n"},
			`r/round.yaml:3: invalid example data: missing: a list is expected here, not "370811": write each item on a line of its own beginning with "- ", or [a, b] on one line`},
		{"two problems, in line order", map[string]string{"r/round.yaml": round + "earlier:\n  - unit: \"370811\"\n    mistakes:\n      - {unit: \"370811\", row: 第二行}\n    labl: 初报\n"},
			"r/round.yaml:6: invalid example data: row: a whole number is expected here, not \"第二行\": write digits only, such as 40\n" +
				`r/round.yaml:7: invalid example data: unknown key "labl" in earlier file: remove it, or correct it to one of unit, label, reported, mistakes, why`},
		{"key twice", map[string]string{"r/round.yaml": round + "prior: a.csv\nprior: b.csv\n"},
			`r/round.yaml:4: invalid example data: key "prior" is given twice (first on line 3): keep one`},
		{"malformed", map[string]string{"r/round.yaml": round + "prior: a: b\n"},
			"r/round.yaml:3: invalid example data: mapping values are not allowed in this context: the YAML is malformed here (check the indentation, the colons and the quotes)"},
		{"unit file", map[string]string{"r/round.yaml": round, "r/a.yaml": unit + "footer: {}\n"},
			`r/a.yaml:5: invalid example data: key "footer" is given twice (first on line 3): keep one`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, text := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(text)}
			}
			_, err := LoadRound(fsys, "r", c)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("LoadRound = %v\nwant %s", err, tt.want)
			}
			if !errors.Is(err, ErrExample) {
				t.Errorf("LoadRound = %v, want it to wrap ErrExample", err)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for not a date
	}{
		{"2021-01-15", "2021-01-15"},
		{"2021/1/5", "2021-01-05"},
		{"2021.1.5", "2021-01-05"},
		{"2021年1月15日", "2021-01-15"},
		{" 2021 年 1 月 15 日 ", "2021-01-15"},
		{"2021-02-30", ""},
		{"15.1.2021", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := ParseDate(tt.in)
		s := ""
		if ok {
			s = got.Format(time.DateOnly)
		}
		if s != tt.want {
			t.Errorf("ParseDate(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
}
