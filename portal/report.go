package portal

import (
	"cmp"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"edustat/catalog"
	"edustat/store"
	"edustat/validate"
)

// report is one version's findings as a clerk reads them: grouped by form,
// errors first.
type report struct {
	Version   *store.Version
	Sub       *validate.Submission // nil when the file could not be read
	Groups    []findingGroup
	Errors    int
	Warnings  int // warnings still needing a 说明
	Explained int
	Refused   string // why the file was not taken, if it was not
}

type findingGroup struct {
	Form     string // the sheet, or 全表 for findings about the whole file
	Findings []findingRow
}

type findingRow struct {
	validate.Finding
	Where string // 工作表!单元格
	Label string // 错误, 需说明, 已说明, 提示
	Class string
}

func (s *Server) report(r *http.Request, rd *store.Round, v *store.Version) (*report, error) {
	rep := &report{Version: v}
	if !v.Accepted {
		rep.Refused = v.Reason
	}
	sub, err := s.db.Submission(r.Context(), v.ID)
	if err != nil {
		return nil, err
	}
	rep.Sub = sub
	if sub == nil {
		return rep, nil
	}
	byForm := map[string][]findingRow{}
	var forms []string
	for _, f := range sub.Findings {
		label, class := tierLabel(f)
		form := f.Sheet
		if form == "" {
			form = "全表"
		}
		if _, ok := byForm[form]; !ok {
			forms = append(forms, form)
		}
		where := f.Sheet
		if f.Cell != "" {
			where += "!" + f.Cell
		}
		if f.Type == validate.TypeRule {
			f.Expected = readable(rd.Catalog, f.Expected)
		}
		byForm[form] = append(byForm[form], findingRow{Finding: f, Where: where, Label: label, Class: class})
		switch class {
		case "err":
			rep.Errors++
		case "warn":
			rep.Warnings++
		case "ok":
			rep.Explained++
		}
	}
	order := map[string]int{"err": 0, "warn": 1, "ok": 2, "none": 3}
	for _, form := range forms {
		rows := byForm[form]
		slices.SortStableFunc(rows, func(a, b findingRow) int { return cmp.Compare(order[a.Class], order[b.Class]) })
		rep.Groups = append(rep.Groups, findingGroup{Form: form, Findings: rows})
	}
	return rep, nil
}

var (
	codeRE    = regexp.MustCompile(`\b[A-Z][A-Z0-9_]*[A-Z0-9]\b`)
	operators = strings.NewReplacer("<=", " ≤ ", ">=", " ≥ ", "==", " = ", "!=", " ≠ ", "&&", " 并且 ", "||", " 或者 ")
)

// readable turns a rule's expression into what a clerk reads: indicator
// names for codes, ≤ for <=.
func readable(c *catalog.Catalog, expr string) string {
	expr = codeRE.ReplaceAllStringFunc(expr, func(code string) string {
		if in := c.Indicator(code); in != nil {
			return in.Name
		}
		return code
	})
	return strings.Join(strings.Fields(operators.Replace(expr)), " ")
}

// annotated sends the version's annotated copy: the clerk's own workbook
// with every finding marked on its cell and a 审核结果 sheet in front. It is
// made on request, in a private temporary directory, under names the
// server chose.
func (s *Server) annotated(w http.ResponseWriter, r *http.Request) {
	v, ok := s.foundVersion(w, r)
	if !ok {
		return
	}
	rd := roundOf(r)
	sub, err := s.db.Submission(r.Context(), v.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sub == nil {
		s.message(w, r, http.StatusNotFound, "没有批注版", "这个文件无法读取，所以没有批注版。请按页面上的提示重新上传。")
		return
	}
	data, err := s.db.File(r.Context(), v.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := annotate(data, sub, validate.Options{Catalog: rd.Catalog, Roster: rd.Units, Round: rd.Code})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, _ := actorOf(r)
	s.db.LogAudit(r.Context(), a.Actor, "annotated.download", rd.Code, v.Unit, strconv.FormatInt(v.ID, 10))
	sendFile(w, versionName(rd, v, "_审核结果"), xlsxType, out)
}

// annotate runs validate.Annotate on bytes, through a temporary directory
// of its own that is removed at once.
func annotate(data []byte, sub *validate.Submission, opts validate.Options) ([]byte, error) {
	dir, err := os.MkdirTemp("", "edustat-portal-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	src, dst := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.xlsx")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		return nil, err
	}
	if err := validate.Annotate(src, sub, dst, opts); err != nil {
		return nil, err
	}
	return os.ReadFile(dst)
}
