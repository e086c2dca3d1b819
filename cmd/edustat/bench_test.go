package main

import (
	"bytes"
	"context"
	"os"
	"testing"
)

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "extra"},
		{"bench", "--schools", "-1"},
		{"bench", "--schools", "0"},
		{"bench", "--schools", "5", "--counties", "11"},
		{"bench", "--counties", "0"},
		{"bench", "--counties", "15"},
		{"bench", "--scale", "20,5", "--counties", "11"},
		{"bench", "--scale", "20,x"},
		{"bench", "--scale", "40,80", "--schools", "40"},
		{"bench", "--scale", "40,80", "--portal"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), &env{stdout: &stdout, stderr: &stderr, getenv: os.Getenv}, args); code != 2 {
			t.Errorf("edustat %q exited with %d, want 2", args, code)
		}
	}
}
