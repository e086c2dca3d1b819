package mailtest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
)

// Parsed is a message read back.
type Parsed struct {
	Header      mail.Header
	Subject     string // decoded
	Text        string // the text/plain part, decoded
	Attachments []Attachment
}

// An Attachment is a file attached to a message.
type Attachment struct {
	Name        string // decoded
	ContentType string
	Data        []byte
}

// Parse reads a message with a text part and attachments, as
// multipart/mixed or as a single text part.
func Parse(data []byte) (*Parsed, error) {
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var dec mime.WordDecoder
	p := &Parsed{Header: m.Header}
	if p.Subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("content-type: %w", err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		body, err := decode(m.Header.Get("Content-Transfer-Encoding"), m.Body)
		p.Text = string(body)
		return p, err
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			return p, nil
		}
		if err != nil {
			return nil, err
		}
		body, err := decode(part.Header.Get("Content-Transfer-Encoding"), part)
		if err != nil {
			return nil, err
		}
		disp, dparams, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		ct := part.Header.Get("Content-Type")
		if disp != "attachment" {
			if strings.HasPrefix(ct, "text/plain") {
				p.Text += string(body)
			}
			continue
		}
		name, err := dec.DecodeHeader(dparams["filename"])
		if err != nil {
			return nil, fmt.Errorf("attachment name: %w", err)
		}
		p.Attachments = append(p.Attachments, Attachment{Name: name, ContentType: ct, Data: body})
	}
}

func decode(cte string, r io.Reader) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return io.ReadAll(base64.NewDecoder(base64.StdEncoding, r))
	case "", "7bit", "8bit", "binary":
		return io.ReadAll(r)
	}
	return nil, fmt.Errorf("content-transfer-encoding %q not supported here", cte)
}
