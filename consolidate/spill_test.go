package consolidate

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"edustat/catalog"
	"edustat/validate"
)

// TestSpillRoundTrip reads back every part of a body as compact wrote it,
// each part alone and with the others.
func TestSpillRoundTrip(t *testing.T) {
	opts := testOptions(t)
	r, err := newRound(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s := fullRound(t)[1] // a school with lists
	if len(s.Lists) == 0 {
		t.Fatalf("fullRound()[1] (%s) has no list records", s.Unit)
	}
	s.Findings = []validate.Finding{
		{Type: "rule-error", Tier: catalog.Warning, Explained: true, Explanation: "属实", Rule: "W1", Sheet: "学校基本情况", Cell: "E8", Code: "STU", Value: "1,234", Expected: "≤ 1000", Message: "在校生数比上年增长超过30%"},
		{Type: "converted", Tier: validate.TierInfo, Message: ""},
	}
	f := r.compact(s)

	var wantValues []cell
	for _, in := range r.fixed[f.level] {
		if v, ok := s.Values[in.Code]; ok {
			wantValues = append(wantValues, cellOf(in, v))
		} else {
			wantValues = append(wantValues, cell{})
		}
	}
	wantLists := map[string][]record{}
	for _, form := range r.lists {
		for _, row := range s.Lists[form.Code] {
			rec := record{row: row.Row}
			for _, in := range form.Columns {
				var c cell
				if v, ok := row.Values[in.Code]; ok {
					c = cellOf(in, v)
				}
				rec.cells = append(rec.cells, c)
			}
			wantLists[form.Code] = append(wantLists[form.Code], rec)
		}
	}
	all := partValues | partLists | partFindings
	for parts := 1; parts <= all; parts++ {
		rd := r.reader()
		for range 2 { // the second read reuses the reader's buffers
			b, err := rd.read(f, parts)
			if err != nil {
				t.Fatalf("read(%03b): %v", parts, err)
			}
			want := body{values: []cell{}, findings: []validate.Finding{}}
			if parts&partValues != 0 {
				want.values = wantValues
			}
			if parts&partLists != 0 {
				want.lists = wantLists
			}
			if parts&partFindings != 0 {
				want.findings = s.Findings
			}
			got := body{values: b.values, findings: b.findings}
			if len(b.lists) > 0 {
				got.lists = b.lists
			}
			if got.values == nil {
				got.values = []cell{}
			}
			if got.findings == nil {
				got.findings = []validate.Finding{}
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(body{}, cell{}, record{})); diff != "" {
				t.Errorf("read(%03b) (-want +got):\n%s", parts, diff)
			}
		}
	}
}

// TestSpillCells encodes the cells compact can make, the edge cases of
// numbers included.
func TestSpillCells(t *testing.T) {
	cells := []cell{
		{}, {state: filled}, {state: blankMissing}, {state: blankNA},
		{state: filled, num: 1}, {state: filled, num: -0.5}, {state: filled, num: math.MaxFloat64},
		{state: filled, num: math.Copysign(0, -1)}, {state: filled, num: 1e-300},
		{state: filled, text: "2021-09-01"}, {state: filled, text: "文字\x00 with a NUL"},
	}
	var e encoder
	e.uint(uint64(len(cells)))
	for _, c := range cells {
		e.cell(c)
	}
	d := decoder{b: e.b}
	got := d.cells(nil)
	if d.err != nil || len(d.b) != 0 {
		t.Fatalf("cells: err %v, %d bytes left", d.err, len(d.b))
	}
	if diff := cmp.Diff(cells, got, cmp.AllowUnexported(cell{})); diff != "" {
		t.Errorf("cells (-want +got):\n%s", diff)
	}
	if !math.Signbit(got[7].num) {
		t.Errorf("cells: -0 came back as %v", got[7].num)
	}
}

// TestSpillLeavesNothing checks that the temporary file is gone from the
// temporary directory once the round is closed (on Unix, from the start),
// and that a closed round says so rather than writing empty sheets.
func TestSpillLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	r := build(t, fullRound(t), testOptions(t))
	if err := r.WriteCSV(io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in the temporary directory: %s", e.Name())
	}
	if err := r.WriteCSV(io.Discard); !errors.Is(err, ErrSpill) {
		t.Errorf("WriteCSV after Close = %v, want ErrSpill", err)
	}
	if err := r.WriteWorkbook(io.Discard); !errors.Is(err, ErrSpill) {
		t.Errorf("WriteWorkbook after Close = %v, want ErrSpill", err)
	}
}

// TestSpillUnwritable makes the temporary directory one that cannot be
// written: Build fails with ErrSpill and says why.
func TestSpillUnwritable(t *testing.T) {
	t.Setenv("TMPDIR", "/nonexistent/edustat-test")
	r, err := Build(fullRound(t), testOptions(t))
	if !errors.Is(err, ErrSpill) {
		t.Fatalf("Build with TMPDIR unwritable = %v, %v; want ErrSpill", r, err)
	}
}

// FuzzDecoder feeds the decoder damaged bodies: it must fail, never panic.
func FuzzDecoder(f *testing.F) {
	opts := testOptions(f)
	r, err := newRound(opts)
	if err != nil {
		f.Fatal(err)
	}
	defer r.Close()
	for _, s := range fullRound(f) {
		var e encoder
		g := r.compact(s)
		rd := r.reader()
		b, err := rd.read(g, partValues|partLists|partFindings)
		if err != nil {
			f.Fatal(err)
		}
		e.uint(uint64(len(b.values)))
		for _, c := range b.values {
			e.cell(c)
		}
		f.Add(e.b)
	}
	f.Add(bytes.Repeat([]byte{0xff}, 12))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := decoder{b: data}
		d.cells(nil)
		d = decoder{b: data}
		d.lists(map[string][]record{}, r)
		d = decoder{b: data}
		d.findings(nil)
	})
}
