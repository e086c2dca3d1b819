package mailing_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"edustat/mailing"
	"edustat/mailing/mailtest"
	"edustat/roster"
	"edustat/seeds"
)

func TestParseTemplateErrors(t *testing.T) {
	for _, tc := range []struct{ name, text string }{
		{"no subject", "尊敬的{{.Unit.Name}}：\n\n正文\n"},
		{"empty subject", "Subject:   \n\n正文\n"},
		{"no blank line", "Subject: 采集表\n正文\n"},
		{"no body", "Subject: 采集表\n\n  \n"},
		{"unknown field", "Subject: {{.Unit.Nmae}}\n\n正文\n"},
		{"unknown key", "Subject: {{.Dealine}}\n\n正文\n"},
		{"syntax", "Subject: {{.Round}\n\n正文\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := mailing.ParseTemplate(tc.name, tc.text); !errors.Is(err, mailing.ErrTemplate) {
				t.Errorf("ParseTemplate(%q) = %v, want ErrTemplate", tc.text, err)
			}
		})
	}
}

func TestSeedTemplate(t *testing.T) {
	tmpl, err := mailing.ParseTemplate(seeds.MailFile, seeds.MailTemplate)
	if err != nil {
		t.Fatalf("the default mail template: %v", err)
	}
	u := &roster.Unit{Code: "370811", Name: "任城区", Kind: roster.County, Contact: "张丽"}
	for _, tc := range []struct {
		data        mailing.Data
		subject     string
		has, hasNot []string
	}{
		{
			mailing.Data{Unit: u, Round: "2021", Deadline: "2021年9月30日", Contact: "统计科 0537-1234567", FileName: "2021_370811_任城区.xlsx"},
			"【2021年度教育统计】任城区数据采集表（请于2021年9月30日前报送）",
			[]string{"张丽同志：", "附件《2021_370811_任城区.xlsx》", "请于2021年9月30日前直接回复本邮件，把填好的表格作为附件发回",
				"已收到，审核通过", "如有疑问，请联系：统计科 0537-1234567。"},
			[]string{"填报网站"},
		},
		{
			mailing.Data{Unit: u, Round: "2021", FileName: "x.xlsx", Portal: "https://tongji.example.cn/"},
			"【2021年度教育统计】任城区数据采集表",
			[]string{"直接回复本邮件", "也可以登录填报网站上传表格、查看审核结果：https://tongji.example.cn/"},
			nil,
		},
		{
			mailing.Data{Unit: &roster.Unit{Code: "370890", Name: "太白湖新区", Kind: roster.Zone}, Round: "2021", FileName: "x.xlsx"},
			"【2021年度教育统计】太白湖新区数据采集表",
			[]string{"太白湖新区：", "请在“填报说明”工作表所列的报送截止日期前直接回复本邮件"},
			[]string{"如有疑问", "<no value>", "前报送", "填报网站"},
		},
	} {
		subject, body, err := tmpl.Execute(tc.data)
		if err != nil {
			t.Fatal(err)
		}
		if subject != tc.subject {
			t.Errorf("subject = %q, want %q", subject, tc.subject)
		}
		for _, s := range tc.has {
			if !strings.Contains(body, s) {
				t.Errorf("body lacks %q:\n%s", s, body)
			}
		}
		for _, s := range tc.hasNot {
			if strings.Contains(body, s) {
				t.Errorf("body has %q:\n%s", s, body)
			}
		}
	}
}

func TestCompose(t *testing.T) {
	tmpl, err := mailing.ParseTemplate("test", testTemplate)
	if err != nil {
		t.Fatal(err)
	}
	l := &mailing.Letter{Template: tmpl, From: "tongji@jining.example.cn", Round: "2021秋", Deadline: "9月30日", Contact: "统计科"}
	u := &roster.Unit{Code: "370811", Name: "任城区", Kind: roster.County}
	m := mailing.Message{
		Unit: u, To: []string{"a@example.cn", "张三 <b@example.cn>"}, FileName: "2021秋_370811_任城区.xlsx",
		Attachment: []byte("PK\x03\x04\x00\xff\r\n"), Seq: 2, Date: time.Date(2021, 9, 1, 8, 0, 0, 0, time.UTC),
	}
	var out [2][]byte
	for i := range out {
		msg, err := l.Compose(m)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := msg.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		out[i] = b.Bytes()
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Errorf("two messages composed alike differ:\n%s\n---\n%s", out[0], out[1])
	}
	p, err := mailtest.Parse(out[0])
	if err != nil {
		t.Fatal(err)
	}
	id := p.Header.Get("Message-Id")
	if !strings.HasPrefix(id, "<edustat.") || !strings.Contains(id, ".370811.") || !strings.HasSuffix(id, ".2@jining.example.cn>") || strings.Contains(id, "秋") {
		t.Errorf("Message-ID %s", id)
	}
	if got := p.Header.Get("Date"); got != "Wed, 01 Sep 2021 08:00:00 +0000" {
		t.Errorf("Date %q", got)
	}
	to, err := p.Header.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "任城区" || to[1].Name != "张三" {
		t.Errorf("To = %v, %v", to, err)
	}
	if len(p.Attachments) != 1 || p.Attachments[0].Name != m.FileName || !bytes.Equal(p.Attachments[0].Data, m.Attachment) {
		t.Errorf("attachments %+v", p.Attachments)
	}
	if p.Subject != "2021秋年度数据采集表：任城区" {
		t.Errorf("subject %q", p.Subject)
	}

	m.To = []string{"a@example.cn", "b.example.cn"}
	var ae *mailing.AddressError
	if _, err := l.Compose(m); !errors.As(err, &ae) || ae.Address != "b.example.cn" {
		t.Errorf("Compose with a bad address = %v, want an *AddressError", err)
	}
}
