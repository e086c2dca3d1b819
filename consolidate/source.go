package consolidate

import "edustat/validate"

// BuildEach consolidates submissions that each hands over one at a time,
// as the round store reads them: each is kept only in the compact form the
// roll-up needs, so that a round of thousands of units is never whole in
// memory (see spill.go). each calls add once per submission and returns its first error.
func BuildEach(opts Options, each func(add func(*validate.Submission)) error) (*Round, error) {
	r, err := newRound(opts)
	if err != nil {
		return nil, err
	}
	err = each(func(s *validate.Submission) { r.files = append(r.files, r.compact(s)) })
	if err == nil {
		err = r.finish()
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}
