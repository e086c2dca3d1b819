package consolidate

import (
	"path/filepath"
	"strings"

	"edustat/internal/textfit"
)

// Text measures for row heights. A column width unit is about one Latin
// digit of the default font; a CJK character is about two. LibreOffice and
// Excel keep a row's height as written, so a wrapped cell shows all its
// lines only when the row is given the height they take.
const (
	bodySize  = 10 // points: the font of the tables
	titleSize = 16 // points: the font of the titles
	// points: a title wrapped in the key columns of a split sheet
	wrapTitleSize = 14
	lineHeight    = 13.5 // points per line of 10-point text
)

// bodyText measures the text of the tables, at bodySize.
var bodyText = textfit.Measure{Latin: 1.1, CJK: 2}

// spanTitle is a sheet title set in columns width units wide: as it is
// at titleSize when it fits on one line, otherwise broken after its colon
// at wrapTitleSize; with the style and the row height it needs.
func spanTitle(title string, width float64) (text, kind string, height float64) {
	if bodyText.Lines(title, width*bodySize/titleSize) == 1 {
		return title, sTitle, 28
	}
	title = wrappedTitle(title)
	return title, sTitleWrap, float64(bodyText.Lines(title, width*bodySize/wrapTitleSize))*wrapTitleSize*1.3 + 6
}

// wrappedTitle is a title to wrap in a narrow span: broken after its
// first colon (济宁市2021年教育统计汇总 / 报送情况) rather than anywhere.
func wrappedTitle(title string) string {
	if a, b, ok := strings.Cut(title, "："); ok {
		return a + "\n" + b
	}
	return title
}

// heightFor is a row height that shows n lines, never below least.
func heightFor(n int, least float64) float64 {
	return max(least, float64(n)*lineHeight+4)
}

// rowLines is how many lines the tallest cell of a row takes in columns of
// the given widths; numbers, empty cells and hidden columns (width 0) take
// one.
func rowLines(cells []styled, widths []float64) int {
	n := 1
	for i, c := range cells {
		s, ok := c.v.(string)
		if !ok || s == "" || i >= len(widths) || widths[i] == 0 || c.kind == sSub {
			continue
		}
		n = max(n, bodyText.Lines(s, widths[i]))
	}
	return n
}

// relativeNames returns a function that names a file relative to the
// deepest folder holding every path, as the clerk gave the folder: the
// summary prints names, not absolute paths.
func relativeNames(paths []string) func(string) string {
	var root string
	for i, p := range paths {
		if p == "" {
			continue
		}
		dir := filepath.Dir(filepath.Clean(p))
		if i == 0 || root == "" {
			root = dir
			continue
		}
		for root != "." && root != string(filepath.Separator) && !within(dir, root) {
			root = filepath.Dir(root)
		}
	}
	return func(p string) string {
		if p == "" || root == "" {
			return p
		}
		rel, err := filepath.Rel(root, filepath.Clean(p))
		if err != nil || strings.HasPrefix(rel, "..") {
			return p
		}
		return filepath.ToSlash(rel)
	}
}

// within reports whether dir is root or below it.
func within(dir, root string) bool {
	if dir == root {
		return true
	}
	return strings.HasPrefix(dir, strings.TrimSuffix(root, string(filepath.Separator))+string(filepath.Separator))
}

// shortHash is the first 16 hex digits of a SHA-256, enough to tell files
// apart on paper.
func shortHash(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}
