package soffice

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestProfileRemoved kills a LibreOffice that listens, as a timeout or a
// failed script does: while it ran, its temporary files were in the
// profile's TMPDIR, its pipe where pipe says and the pipe it accepted UNO
// connections on where pipePaths says; it left both pipes behind, and
// removing the profile and the accept pipe removes them all.
func TestProfileRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs LibreOffice")
	}
	cmd, err := Find("")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v: CI must install libreoffice-calc (.ci/run does)", err)
		}
		t.Skipf("%v; install libreoffice-calc to run this test", err)
	}
	p, err := newProfile()
	if err != nil {
		t.Fatal(err)
	}
	defer p.remove()
	accept := acceptPipe()
	defer removePipe(accept)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lo := exec.CommandContext(ctx, cmd, append(p.args(), "--accept=pipe,name="+accept+";urp;")...)
	lo.Env = p.env()
	var out tail
	lo.Stdout, lo.Stderr = &out, &out
	killGroup(lo)
	if err := lo.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- lo.Wait() }()
	if err := waitListening(ctx, accept, 3*time.Minute, exited); err != nil {
		killAll(lo)
		<-exited
		t.Fatalf("LibreOffice: %v: %s", err, out.String())
	}
	pipe := filepath.Join(pipeDirs[0], p.pipe())
	st, err := os.Stat(pipe)
	if err != nil || st.Mode().Type() != fs.ModeSocket {
		t.Errorf("while LibreOffice listens: %s: %v, %v; want its pipe (a socket)", pipe, st, err)
	}
	if tmp, err := os.ReadDir(filepath.Join(p.dir, "tmp")); err != nil || len(tmp) == 0 {
		t.Errorf("while LibreOffice listens, the profile's TMPDIR holds %d files (%v): want its temporary files there", len(tmp), err)
	}
	acceptPath := pipePaths(accept)[0]
	if st, err := os.Stat(acceptPath); err != nil || st.Mode().Type() != fs.ModeSocket {
		t.Errorf("while LibreOffice listens: %s: %v, %v; want the pipe it accepts on (a socket)", acceptPath, st, err)
	}
	killAll(lo)
	<-exited
	for _, f := range []string{pipe, acceptPath} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("killed, LibreOffice removed %s (%v): the test shows nothing", f, err)
		}
	}
	p.remove()
	removePipe(accept)
	for _, f := range []string{pipe, acceptPath, p.dir} {
		if _, err := os.Lstat(f); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("after remove: %s: %v, want it gone", f, err)
		}
	}
}
