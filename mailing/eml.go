package mailing

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"edustat/internal/atomicfile"
)

// EMLDir is a Sender for dry runs: it writes each message to a file in Dir,
// named after its attachment with the extension .eml
// (2021_370811_任城区.xlsx → 2021_370811_任城区.eml), and sends nothing.
type EMLDir struct {
	Dir string

	// Written lists the files written, in order.
	Written []string
}

// Send writes m to its file.
func (d *EMLDir) Send(ctx context.Context, m *gomail.Msg) error {
	name := strings.Trim(m.GetMessageID(), "<>")
	if files := m.GetAttachments(); len(files) > 0 {
		name = strings.TrimSuffix(files[0].Name, filepath.Ext(files[0].Name))
	}
	if err := os.MkdirAll(d.Dir, 0o755); err != nil {
		return &SendError{Failure: Fatal, Err: err}
	}
	path := filepath.Join(d.Dir, filepath.Base(name)+".eml")
	err := atomicfile.Write(path, 0o644, func(w io.Writer) error {
		_, err := m.WriteTo(w)
		return err
	})
	if err != nil {
		return &SendError{Failure: Fatal, Err: fmt.Errorf("write %s: %w", path, err)}
	}
	d.Written = append(d.Written, path)
	return nil
}

// Close does nothing.
func (d *EMLDir) Close() error { return nil }
