package yamlerr

import (
	"bytes"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestProblemsSameLine checks that a value of the wrong type is named by
// its own key when its line holds other values of its tag: the decoder's
// message gives the value's text (its first 7 bytes, when longer than 10),
// by which the right one is found. (Two values of one line that begin
// with the same 7 bytes are still told apart by neither.)
func TestProblemsSameLine(t *testing.T) {
	type item struct {
		Unit string `yaml:"unit"`
		Name string `yaml:"name"`
		Row  int    `yaml:"row"`
	}
	type doc struct {
		Items []item `yaml:"items"`
	}
	for _, tt := range []struct{ name, text, want string }{
		{"short", "items:\n  - {unit: \"370811\", name: 任城区, row: 第二行}\n",
			`row: a whole number is expected here, not "第二行": write digits only, such as 40`},
		{"long", "items:\n  - {unit: \"370811\", name: 任城区第一中学, row: 济宁市第一中学高中部}\n",
			`row: a whole number is expected here, not "济宁市第一中学高中部": write digits only, such as 40`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			dec := yaml.NewDecoder(bytes.NewReader([]byte(tt.text)))
			dec.KnownFields(true)
			err := dec.Decode(&d)
			if err == nil {
				t.Fatal("Decode: no error")
			}
			ps := Problems([]byte(tt.text), &d, err)
			if len(ps) != 1 || ps[0].Line != 2 || ps[0].Msg != tt.want {
				t.Fatalf("Problems(%v) = %+v, want line 2: %s", err, ps, tt.want)
			}
		})
	}
}
