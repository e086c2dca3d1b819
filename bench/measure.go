package bench

import (
	"bufio"
	"io"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// memory follows the peak memory of the process while a step runs: the
// resident set, read from /proc/self/status every few milliseconds (and
// its high-water mark where the kernel lets a process reset it), and the
// Go heap, from runtime/metrics.
type memory struct {
	quit, done chan struct{}
	hwm        bool // VmHWM was reset at the start
	rss, heap  uint64
}

func startMemory() *memory {
	m := &memory{quit: make(chan struct{}), done: make(chan struct{})}
	// Writing 5 to clear_refs resets VmHWM (Linux 4.0 and later).
	m.hwm = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	measure := func() {
		if rss := procStatus("VmRSS"); rss > m.rss {
			m.rss = rss
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			if h := sample[0].Value.Uint64(); h > m.heap {
				m.heap = h
			}
		}
	}
	measure()
	go func() {
		defer close(m.done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-m.quit:
				measure()
				return
			case <-t.C:
				measure()
			}
		}
	}()
	return m
}

// stop ends the sampling and returns the peaks, in bytes.
func (m *memory) stop() (rss, heap uint64) {
	close(m.quit)
	<-m.done
	if m.hwm {
		m.rss = max(m.rss, procStatus("VmHWM"))
	}
	return m.rss, m.heap
}

// procStatus reads a size in kB from /proc/self/status, in bytes; 0 where
// there is none.
func procStatus(key string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	return statusValue(f, key)
}

func statusValue(r io.Reader, key string) uint64 {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), key+":")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return 0
		}
		n, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return 0
		}
		if len(fields) > 1 && strings.EqualFold(fields[1], "kB") {
			n <<= 10
		}
		return n
	}
	return 0
}
