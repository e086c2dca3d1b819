package xlsx

import (
	"errors"
	"strconv"
	"strings"
)

// CustomProps returns the custom document properties of the workbook
// (File > Properties > Custom), by name, each as text: strings as they
// are, numbers as written (an integer stored as a float without its .0),
// booleans as true or false. A workbook without them has none.
func (b *Book) CustomProps() (map[string]string, error) {
	data, done, err := b.readScratch(b.propsPart)
	defer done()
	if errors.Is(err, errNoPart) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	props := map[string]string{}
	s := scanner{buf: data}
	name := ""
	for {
		t, ok := s.next()
		switch {
		case !ok:
			return props, s.err
		case t.start("property"):
			name = attrString(t.attrs, "name")
		case t.closes("property"):
			name = ""
		case name != "" && !t.end:
			v := ""
			if !t.empty {
				v = s.text()
			}
			props[name] = propValue(string(t.name), v)
			s.skip(t)
		}
	}
}

// propValue returns the value of a property of the given variant type as
// text.
func propValue(typ, v string) string {
	switch typ {
	case "r4", "r8", "decimal":
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return v
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	case "i1", "i2", "i4", "i8", "int", "ui1", "ui2", "ui4", "ui8", "uint":
		return strings.TrimSpace(v)
	case "bool":
		switch strings.TrimSpace(v) {
		case "1", "true":
			return "true"
		}
		return "false"
	}
	return v
}
