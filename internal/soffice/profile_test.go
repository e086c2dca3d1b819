package soffice

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestProfileRemoved kills a LibreOffice that listens, as a timeout or a
// failed script does: while it ran, its temporary files were in the
// profile's TMPDIR and its pipe where pipe says; it left the pipe behind,
// and removing the profile removes both.
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
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lo := exec.CommandContext(ctx, cmd, append(p.args(), "--accept=socket,host=127.0.0.1,port="+strconv.Itoa(port)+";urp;")...)
	lo.Env = p.env()
	var out tail
	lo.Stdout, lo.Stderr = &out, &out
	killGroup(lo)
	if err := lo.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- lo.Wait() }()
	if err := waitListening(ctx, port, 3*time.Minute, exited); err != nil {
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
	killAll(lo)
	<-exited
	if _, err := os.Stat(pipe); err != nil {
		t.Errorf("killed, LibreOffice removed its pipe (%v): the test shows nothing", err)
	}
	p.remove()
	for _, f := range []string{pipe, p.dir} {
		if _, err := os.Lstat(f); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("after remove: %s: %v, want it gone", f, err)
		}
	}
}
