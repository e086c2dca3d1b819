package seeds

import _ "embed"

// MailFile is the name of the default mail template, as shown in messages.
const MailFile = "seeds/mail.tmpl"

// MailTemplate is the default text of the email that carries a unit its
// template: a Go text/template whose first line is "Subject: …", then a
// blank line and the body (see mailing.Template).
//
//go:embed mail.tmpl
var MailTemplate string
