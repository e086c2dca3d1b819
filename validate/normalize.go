package validate

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// normalize turns full-width letters, digits and punctuation into their
// ASCII forms, drops zero-width characters and trims spaces of every kind.
func normalize(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '！' && r <= '～':
			r -= '！' - '!'
		case r == '\u3000' || r == '\u00a0':
			r = ' '
		case r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff':
			continue
		case r == '。' || r == '｡':
			r = '.'
		case r == '\u2212':
			r = '-'
		}
		b.WriteRune(r)
	}
	return strings.TrimFunc(b.String(), isSpace)
}

func isSpace(r rune) bool { return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' }

var thousandsRE = regexp.MustCompile(`^[+-]?\d{1,3}(,\d{3})+(\.\d*)?([eE][+-]?\d+)?$`)

// splitNumber splits s into a leading number (digits, commas, a point and
// an exponent) and the rest, spaces removed. It reports false when s does
// not start with a number.
func splitNumber(s string) (num, rest string, ok bool) {
	s = strings.Map(func(r rune) rune {
		if isSpace(r) {
			return -1
		}
		return r
	}, s)
	i, digits := 0, 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == ',' && digits > 0) {
		if s[i] != ',' {
			digits++
		}
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			digits++
			i++
		}
	}
	if digits == 0 {
		return "", "", false
	}
	if i+1 < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if s[j] == '+' || s[j] == '-' {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			i = j
		}
	}
	return strings.TrimRight(s[:i], ","), s[i:], true
}

// splitUnit splits a unit such as 万元 into its scale (1e4) and base (元).
func splitUnit(u string) (float64, string) {
	scale := 1.0
	for u != "" {
		r, size := utf8.DecodeRuneInString(u)
		f, ok := scales[r]
		if !ok {
			break
		}
		scale *= f
		u = u[size:]
	}
	return scale, u
}

var scales = map[rune]float64{'百': 1e2, '千': 1e3, '万': 1e4, '亿': 1e8}

// roundSig rounds v to 12 significant digits, removing the noise of
// binary fractions (0.817*100 = 81.69999999999999).
func roundSig(v float64) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	return r
}

func formatNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
