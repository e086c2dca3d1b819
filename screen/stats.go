package screen

import (
	"math"
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
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// MAD returns the median absolute deviation of xs from their median m.
func MAD(xs []float64, m float64) float64 {
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - m)
	}
	return Median(dev)
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
	m := Median(xs)
	if mad := MAD(xs, m); mad > 0 {
		return Spread{Median: m, Scale: mad / MADScale}
	}
	return Spread{Median: m, Scale: MeanADScale * MeanAD(xs, m), MeanAD: true}
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
