package portal

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"

	"edustat/store"
	"edustat/validate"
)

// errUpload is a bad upload: too large, too many files, none at all. Its
// message is Chinese, for the clerk.
type uploadError struct{ msg string }

func (e *uploadError) Error() string { return e.msg }

// upload is one file of an upload request.
type upload struct {
	Name string // as the browser sent it: shown, stored as the file's name, never used as a path
	Data []byte
}

// readUploads reads the files of a multipart request, at most
// MaxUploadFiles, each at most validate.DefaultMaxFileSize, the whole at
// most MaxUploadBytes. Nothing is written to disk.
func readUploads(w http.ResponseWriter, r *http.Request) ([]upload, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &uploadError{"没有收到文件：请用“选择文件”选好 Excel 工作簿后再点“上传”。"}
	}
	var ups []upload
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &uploadError{fmt.Sprintf("这次上传的文件总共超过 %d MB，请分几次上传。", MaxUploadBytes>>20)}
		} else if err != nil {
			return nil, &uploadError{"上传没有完成（连接中断或格式不对），请重新上传。"}
		}
		if p.FormName() != "file" || p.FileName() == "" {
			p.Close()
			continue
		}
		if len(ups) == MaxUploadFiles {
			return nil, &uploadError{fmt.Sprintf("一次最多上传 %d 个文件，请分几次上传。", MaxUploadFiles)}
		}
		up, err := readPart(p)
		if err != nil {
			return nil, err
		}
		ups = append(ups, up)
	}
	if len(ups) == 0 {
		return nil, &uploadError{"没有收到文件：请用“选择文件”选好 Excel 工作簿后再点“上传”。"}
	}
	return ups, nil
}

func readPart(p *multipart.Part) (upload, error) {
	defer p.Close()
	name := cleanName(p.FileName())
	limit := int64(validate.DefaultMaxFileSize)
	data, err := io.ReadAll(io.LimitReader(p, limit+1))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return upload{}, &uploadError{fmt.Sprintf("这次上传的文件总共超过 %d MB，请分几次上传。", MaxUploadBytes>>20)}
	case err != nil:
		return upload{}, &uploadError{"上传没有完成（连接中断），请重新上传。"}
	case int64(len(data)) > limit:
		return upload{}, &uploadError{fmt.Sprintf("文件“%s”超过 %d MB，不像是填报工作簿。请上传从本平台下载、填好的 Excel 文件。", name, limit>>20)}
	}
	return upload{Name: name, Data: data}, nil
}

// cleanName keeps the last element of a browser's file name, valid UTF-8
// and at most 120 characters, for showing and recording only.
func cleanName(name string) string {
	name = strings.ToValidUTF8(name, "?")
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if utf8.RuneCountInString(name) > 120 {
		name = string([]rune(name)[:120])
	}
	return name
}

// submitAll submits each upload as the request's actor and returns the
// receipts in order.
func (s *Server) submitAll(r *http.Request, round string, ups []upload) ([]*store.Receipt, error) {
	a, _ := actorOf(r)
	var rcs []*store.Receipt
	for _, up := range ups {
		src := store.Source{Kind: "upload", Name: "portal", Sender: a.Actor.Name, At: s.now()}
		rc, err := s.db.Submit(r.Context(), round, up.Name, up.Data, src, a.Actor)
		if err != nil {
			return nil, err
		}
		rcs = append(rcs, rc)
	}
	return rcs, nil
}

// uploadRow is one file of an upload as the results page shows it.
type uploadRow struct {
	Name    string
	Receipt *store.Receipt
	Outcome string
	Class   string
	Link    string // the version's page, for a file that was read
}

// upload takes the unit's files and shows the result at once: for one
// file its findings page, for several a list of what became of each.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	unit := r.PathValue("unit")
	here := "/r/" + rd.Code + "/u/" + unit
	ups, err := readUploads(w, r)
	var ue *uploadError
	if errors.As(err, &ue) {
		back(w, r, here, "err", ue.msg)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	rcs, err := s.submitAll(r, rd.Code, ups)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]uploadRow, len(rcs))
	for i, rc := range rcs {
		rows[i] = uploadRow{Name: ups[i].Name, Receipt: rc}
		switch rc.Outcome {
		case store.New:
			rows[i].Outcome, rows[i].Class = "已收到", "ok"
		case store.Duplicate:
			rows[i].Outcome, rows[i].Class = "与已收到的文件相同", "none"
		default:
			rows[i].Outcome, rows[i].Class = "未采用", "err"
		}
		if rc.VersionID > 0 && rc.Unit == unit {
			rows[i].Link = fmt.Sprintf("%s/v/%d", here, rc.VersionID)
		}
	}
	if len(rows) == 1 && rows[0].Link != "" {
		kind, msg := "ok", "文件已收到，下面是审核结果。"
		switch {
		case rcs[0].Outcome == store.Duplicate:
			kind, msg = "warn", "这个文件与之前收到的一份完全相同，下面是那一份的审核结果。"
		case rcs[0].Outcome == store.Refused:
			kind, msg = "err", "文件已登记，但未采用，原因见下。"
		}
		back(w, r, rows[0].Link, kind, msg)
		return
	}
	s.render(w, r, "uploaded", "上传结果", struct {
		Back string
		Rows []uploadRow
	}{here, rows})
}
