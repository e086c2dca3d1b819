package screen

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Constants of the modified z-score.
const (
	// MADScale makes the median absolute deviation comparable with a
	// standard deviation: 0.6745 is the 75th percentile of the standard
	// normal distribution (Iglewicz and Hoaglin 1993).
	MADScale = 0.6745
	// MeanADScale is what the mean absolute deviation is multiplied by
	// when the MAD is 0 (more than half the values are equal): √(π/2),
	// the convention of IBM SPSS and others for the modified z-score.
	MeanADScale = 1.253314
)

// Median returns the median of xs, or NaN for none. xs is not changed.
//
// It selects the middle values instead of sorting them all, in linear
// time, so that screening a province's schools costs ten times the city's
// at ten times the schools (a sort grows as n log n).
func Median(xs []float64) float64 { return median(slices.Clone(xs)) }

// median returns the median of s, or NaN for none, reordering s.
func median(s []float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	if slices.ContainsFunc(s, math.IsNaN) { // no order to select by: as slices.Sort orders them
		slices.Sort(s)
		return middle(s)
	}
	n := len(s)
	k := n / 2
	hi := nth(s, k)
	if n%2 == 1 {
		return hi
	}
	// nth left the k values below s[k] in s[:k]: the greatest of them is the
	// other middle value.
	return (slices.Max(s[:k]) + hi) / 2
}

// middle is the median of s, sorted.
func middle(s []float64) float64 {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// nth reorders s, which holds no NaN, so that s[k] is the value a sort
// would put there, every value before it no greater and every value
// after it no smaller, and returns s[k]. It is quickselect with a
// three-way partition (values equal to the pivot, common in school data,
// cost one pass) and pivots drawn at random from a fixed seed, so that no
// order of the input makes it quadratic and its result, which does not
// depend on the pivots, is the same every time.
func nth(s []float64, k int) float64 {
	rng := rand.New(rand.NewPCG(uint64(len(s)), uint64(k)))
	lo, hi := 0, len(s)
	for hi-lo > 16 {
		p := s[lo+rng.IntN(hi-lo)]
		lt, i, gt := lo, lo, hi // s[lo:lt] < p, s[lt:i] == p, s[gt:hi] > p
		for i < gt {
			switch x := s[i]; {
			case x < p:
				s[lt], s[i] = x, s[lt]
				lt++
				i++
			case x > p:
				gt--
				s[i], s[gt] = s[gt], x
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return p
		}
	}
	slices.Sort(s[lo:hi])
	return s[k]
}

// MAD returns the median absolute deviation of xs from their median m.
func MAD(xs []float64, m float64) float64 {
	mad, _ := madOf(xs, m, nil)
	return mad
}

// madOf is MAD computed in buf, which it returns grown for the next call.
func madOf(xs []float64, m float64, buf []float64) (float64, []float64) {
	dev := buf[:0]
	for _, x := range xs {
		dev = append(dev, math.Abs(x-m))
	}
	return median(dev), dev
}

// MeanAD returns the mean absolute deviation of xs from m.
func MeanAD(xs []float64, m float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	sum := 0.0
	for _, x := range xs {
		sum += math.Abs(x - m)
	}
	return sum / float64(len(xs))
}

// Spread is how a group's modified z-scores are scaled.
type Spread struct {
	Median float64
	// Scale divides x − median: MAD ÷ 0.6745, or, when the MAD is 0,
	// 1.253314 × the mean absolute deviation. 0 means every value is
	// the same: nothing stands out.
	Scale float64
	// MeanAD says the MAD was 0 and the mean absolute deviation was used.
	MeanAD bool
}

// SpreadOf returns the median and scale of the modified z-scores of xs.
func SpreadOf(xs []float64) Spread {
	s, _ := spreadOf(xs, nil)
	return s
}

// spreadOf is SpreadOf computed in buf, which it returns grown for the
// next call.
func spreadOf(xs []float64, buf []float64) (Spread, []float64) {
	buf = append(buf[:0], xs...)
	m := median(buf)
	mad, buf := madOf(xs, m, buf)
	if mad > 0 {
		return Spread{Median: m, Scale: mad / MADScale}, buf
	}
	return Spread{Median: m, Scale: MeanADScale * MeanAD(xs, m), MeanAD: true}, buf
}

// Z returns the modified z-score of x: 0 when every value of the group is
// the same.
func (s Spread) Z(x float64) float64 {
	if s.Scale == 0 {
		return 0
	}
	return (x - s.Median) / s.Scale
}

// ModifiedZ returns the modified z-score of each of xs.
func ModifiedZ(xs []float64) []float64 {
	s := SpreadOf(xs)
	z := make([]float64, len(xs))
	for i, x := range xs {
		z[i] = s.Z(x)
	}
	return z
}
