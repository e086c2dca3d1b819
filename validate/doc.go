// The files of package validate, by job (the package doc is in report.go):
//
//	opening      open.go, open_unix.go, open_other.go: the file, its format,
//	             limits, decryption, conversion through LibreOffice
//	reading      read.go (Read, the reader), forms.go (which sheet holds
//	             which form), values.go (fixed and list forms' cells),
//	             footer.go, labels.go (finding labels and codes in cells)
//	parsing      parse.go (a cell's text into a Value), normalize.go
//	             (spaces, numbers and units), numfmt.go (number formats)
//	identity     identity.go: reading the hidden identity and checking it
//	             against the file name, the roster and the round
//	checking     check.go (the Checker), fields.go (field rules and
//	             computed ratios), rules.go (expression rules)
//	prior round  prior.go
//	reports      report.go (the types), text.go, json.go
//	annotation   annotate.go (marking cells), results.go (the 审核结果 sheet),
//	             unsafe.go (entries never copied)
//	both         workbook.go (Workbook: Read, then Check)

package validate
