package store

import (
	"bytes"
	"encoding/gob"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"edustat/catalog"
	"edustat/templates"
	"edustat/validate"
)

// TestResults: one results decoder reads a run of stored results as a new
// decoder for each would (decodeSubmission), also after a result it could
// not read, and refuses what decodeSubmission refuses.
func TestResults(t *testing.T) {
	at := time.Date(2021, 1, 10, 8, 30, 0, 0, time.UTC)
	subs := []*validate.Submission{
		{}, // every field zero: gob sends no field at all
		{File: "任城区第一小学.xlsx", SHA256: "ab12", Size: 28000, ModTime: at, Unit: "2137000101", UnitName: "任城区第一小学", Round: "2020", Reported: at,
			Identity: templates.Identity{Catalog: "jining-edu", Version: "2021.1", Round: "2020", Unit: "2137000101", Level: catalog.School, Forms: map[string]string{"济教统5表": "f1"}},
			Footer:   map[string]string{"填表人": "张三"},
			Values: map[string]validate.Value{
				"SCH_STUDENTS": {State: validate.Filled, Num: 1234, Raw: "1,234", Sheet: "基础教育", Cell: "E12"},
				"SCH_NOTE":     {State: validate.Filled, Text: "无", Note: "说明"},
			},
			Lists:    map[string][]validate.Row{"济教统9表": {{Sheet: "名单", Row: 5, Values: map[string]validate.Value{"NAME": {State: validate.Filled, Text: "王五"}}}}},
			Findings: []validate.Finding{{Type: "rule-error", Tier: catalog.Error, Rule: "R1", Message: "不相等"}, {Type: "rule-warning", Tier: catalog.Warning, Explained: true, Explanation: "已核实"}},
			Rules:    validate.RuleCounts{Checked: 3, Passed: 1, Failed: 2}},
		{File: "b.xlsx", Unit: "370811", Values: map[string]validate.Value{"CTY_SCHOOLS": {State: validate.Missing}}, Rules: validate.RuleCounts{NA: 4}},
	}
	var blobs [][]byte
	for range 3 {
		for _, s := range subs {
			b, err := encodeSubmission(s)
			if err != nil {
				t.Fatal(err)
			}
			blobs = append(blobs, b)
		}
	}
	var d results
	reused := new(validate.Submission)
	for i, b := range blobs {
		want, err := decodeSubmission(b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.decode(b)
		if err != nil {
			t.Fatalf("result %d: decode: %v", i, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("result %d: decode (-decodeSubmission +results):\n%s", i, diff)
		}
		// The submission before (a larger one, or a smaller one) leaves
		// nothing behind but empty maps.
		if err := d.reuse(reused, b); err != nil {
			t.Fatalf("result %d: reuse: %v", i, err)
		}
		if diff := cmp.Diff(want, reused, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("result %d: reuse (-decodeSubmission +results):\n%s", i, diff)
		}
	}
	if n := typesLen(blobs[1]); n == 0 || n >= len(blobs[1]) {
		t.Errorf("typesLen = %d of %d bytes: want the type definitions, then a value", n, len(blobs[1]))
	}

	// A stream of two values: the second has no type definitions of its
	// own, and only a decoder that read the first's can read it.
	var stream bytes.Buffer
	enc := gob.NewEncoder(&stream)
	enc.Encode(subs[1])
	first := stream.Len()
	enc.Encode(subs[2])
	second := stream.Bytes()[first:]
	truncated := blobs[1][:len(blobs[1])-5]
	damaged := bytes.Clone(blobs[1])
	damaged[typesLen(damaged)+1] ^= 0xff
	for name, bad := range map[string][]byte{"empty": nil, "not gob": []byte("PK\x03\x04"), "truncated": truncated, "damaged": damaged, "no types": second} {
		if _, err := decodeSubmission(bad); err == nil {
			t.Fatalf("%s: decodeSubmission read it: the case is wrong", name)
		}
		if _, err := d.decode(bad); err == nil {
			t.Errorf("%s: decode read it, decodeSubmission does not", name)
		}
		got, err := d.decode(blobs[1])
		if err != nil {
			t.Fatalf("%s: decode of a good result after it: %v", name, err)
		}
		if diff := cmp.Diff(subs[1], got); diff != "" {
			t.Errorf("%s: decode of a good result after it (-want +got):\n%s", name, diff)
		}
	}
}
