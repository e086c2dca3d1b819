package xlsx

import (
	"io/fs"
	"strings"
)

// SafeName reports whether a zip entry name stays inside the package when
// unzipped: a relative path with no . or .. elements and no empty ones,
// backslashes read as slashes (as some writers use them), and no drive
// letter or other colon in its first element. A workbook's parts all have
// such names; an entry named /tmp/x, ../../x or C:/x is an attack on
// whoever unzips the file, and is never copied into a workbook edustat
// writes.
func SafeName(name string) bool {
	name = strings.ReplaceAll(name, `\`, "/")
	first, _, _ := strings.Cut(name, "/")
	return fs.ValidPath(name) && name != "." && !strings.Contains(first, ":")
}
