package portal

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"edustat/catalog"
	"edustat/store"
	"edustat/validate"
)

// change is one cell that differs between two versions.
type change struct {
	Form, Code, Name, Where string
	Old, New                string
}

// compare shows, cell by cell, what changed between two versions ?a= and
// ?b= of the unit.
func (s *Server) compare(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	unit := r.PathValue("unit")
	var subs [2]*validate.Submission
	var vs [2]*store.Version
	for i, key := range []string{"a", "b"} {
		id, err := strconv.ParseInt(r.URL.Query().Get(key), 10, 64)
		if err != nil {
			s.message(w, r, http.StatusBadRequest, "请选择两个版本", "请在版本列表中选择要比较的两个版本。")
			return
		}
		v, err := s.db.Version(r.Context(), id)
		if errors.Is(err, store.ErrNoVersion) || err == nil && (v.Round != rd.Code || v.Unit != unit) {
			s.notFound(w, r)
			return
		} else if err != nil {
			s.fail(w, r, err)
			return
		}
		sub, err := s.db.Submission(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if sub == nil {
			s.message(w, r, http.StatusBadRequest, "无法比较", fmt.Sprintf("第 %d 版无法读取，不能比较。", id))
			return
		}
		vs[i], subs[i] = v, sub
	}
	s.render(w, r, "compare", "版本比较", struct {
		Unit    string
		A, B    *store.Version
		Changes []change
	}{rd.Units.Unit(unit).Name, vs[0], vs[1], diff(rd, subs[0], subs[1])})
}

// diff lists the fixed-form cells and list records whose values differ,
// in the catalog's order.
func diff(rd *store.Round, a, b *validate.Submission) []change {
	var out []change
	for _, f := range rd.Catalog.Forms {
		if f.Kind == catalog.List {
			continue
		}
		for _, in := range f.Indicators() {
			va, vb := a.Values[in.Code], b.Values[in.Code]
			if va.Raw == vb.Raw && va.Note == vb.Note {
				continue
			}
			where := vb.Sheet + "!" + vb.Cell
			if vb.Cell == "" {
				where = va.Sheet + "!" + va.Cell
			}
			c := change{Form: f.Title, Code: in.Code, Name: in.Name, Where: where, Old: va.Raw, New: vb.Raw}
			if va.Note != vb.Note {
				c.Old += noteText(va.Note)
				c.New += noteText(vb.Note)
			}
			out = append(out, c)
		}
	}
	forms := make([]string, 0, len(a.Lists)+len(b.Lists))
	for k := range a.Lists {
		forms = append(forms, k)
	}
	for k := range b.Lists {
		if _, ok := a.Lists[k]; !ok {
			forms = append(forms, k)
		}
	}
	slices.Sort(forms)
	for _, form := range forms {
		ra, rb := a.Lists[form], b.Lists[form]
		for i := range max(len(ra), len(rb)) {
			var sa, sb string
			if i < len(ra) {
				sa = rowText(ra[i])
			}
			if i < len(rb) {
				sb = rowText(rb[i])
			}
			if sa != sb {
				out = append(out, change{Form: form, Name: fmt.Sprintf("第 %d 条记录", i+1), Old: sa, New: sb})
			}
		}
	}
	return out
}

// rowText is a list record's values, in code order, for comparing.
func rowText(r validate.Row) string {
	codes := make([]string, 0, len(r.Values))
	for c := range r.Values {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var b strings.Builder
	for _, c := range codes {
		if v := r.Values[c].Raw; v != "" {
			if b.Len() > 0 {
				b.WriteString("；")
			}
			b.WriteString(v)
		}
	}
	return b.String()
}

func noteText(n string) string {
	if n == "" {
		return ""
	}
	return "（说明：" + n + "）"
}
