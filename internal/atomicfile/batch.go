package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Batch writes many files as Write does, each whole or not at all under
// its name, but makes them durable together: Sync, once they are all
// written, flushes the file systems that hold them (syncfs on Linux; each
// file and folder elsewhere), where Write syncs every file on its own.
// Thousands of fsyncs, one a workbook, were most of what generating a
// round cost on ext4. Until Sync returns, a power cut may lose any file of
// the batch, so a batch is for outputs a rerun makes again, and the
// command says it is done only after Sync.
type Batch struct {
	mu    sync.Mutex
	dirs  map[string]bool
	files []string // where the file systems cannot be synced whole
}

// WriteFile writes data to path as WriteFile does, leaving the sync to
// Sync. It is safe for concurrent use.
func (b *Batch) WriteFile(path string, data []byte, perm os.FileMode) error {
	err := write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}, false)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dirs == nil {
		b.dirs = map[string]bool{}
	}
	b.dirs[dir] = true
	if !canSyncFS {
		b.files = append(b.files, path)
	}
	return nil
}

// Sync makes every file written so far durable, with the folders that
// name them.
func (b *Batch) Sync() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.files {
		if err := syncPath(p); err != nil {
			return fmt.Errorf("sync %s: %w", p, err)
		}
	}
	for dir := range b.dirs {
		if err := syncDir(dir); err != nil {
			return fmt.Errorf("sync %s: %w", dir, err)
		}
	}
	b.files, b.dirs = nil, nil
	return nil
}

// syncPath fsyncs one file.
func syncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
