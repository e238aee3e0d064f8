//go:build linux

package lsptest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ProcessID names a process for as long as it lives: its pid and its start
// time, so that a reused pid is not mistaken for it.
type ProcessID struct {
	PID   int
	Start uint64 // clock ticks after boot
	Comm  string // its command name, for messages
}

// procStat is the part of /proc/PID/stat that tests use.
type procStat struct {
	comm  string
	state byte
	ppid  int
	start uint64
	cpu   uint64 // user and system time, clock ticks
}

func readStat(pid int) (procStat, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// "pid (comm) state ppid …": comm may hold spaces and parentheses.
	open, close := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 0 || close < open {
		return procStat{}, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	fields := strings.Fields(string(data[close+1:]))
	if len(fields) < 20 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	ppid, err1 := strconv.Atoi(fields[1])
	start, err2 := strconv.ParseUint(fields[19], 10, 64)
	utime, err3 := strconv.ParseUint(fields[11], 10, 64)
	stime, err4 := strconv.ParseUint(fields[12], 10, 64)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: malformed: %w", pid, err)
	}
	return procStat{comm: string(data[open+1 : close]), state: fields[0][0], ppid: ppid, start: start, cpu: utime + stime}, nil
}

// Children returns the processes whose parent is pid.
func Children(pid int) ([]ProcessID, error) {
	return running(func(_ int, st procStat) bool { return st.ppid == pid })
}

// running returns the processes, dead ones (zombies) aside, that keep
// accepts.
func running(keep func(pid int, st procStat) bool) ([]ProcessID, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []ProcessID
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readStat(pid)
		if err != nil || st.state == 'Z' || st.state == 'X' || !keep(pid, st) {
			continue // gone meanwhile, dead, or not wanted
		}
		out = append(out, ProcessID{PID: pid, Start: st.start, Comm: st.comm})
	}
	return out, nil
}

// Alive reports whether the process still runs: it exists, it is the same
// process (same start time), and it is not a zombie.
func Alive(p ProcessID) bool {
	st, err := readStat(p.PID)
	return err == nil && st.start == p.Start && st.state != 'Z' && st.state != 'X'
}

// AwaitGone waits until the process has stopped running, or ctx ends.
// The kernel offers no way to wait for a process that is not one's child,
// so it looks at /proc every few milliseconds.
func AwaitGone(ctx context.Context, p ProcessID) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for Alive(p) {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("%s (pid %d) still runs: %w", p.Comm, p.PID, ctx.Err())
		}
	}
	return nil
}

// Memory is what /proc/PID/status says of a process's memory, in bytes.
type Memory struct {
	RSS     int64 // VmRSS: resident now
	PeakRSS int64 // VmHWM: the most it has been resident
}

// MemoryOf reads a process's memory use.
func MemoryOf(pid int) (Memory, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return Memory{}, err
	}
	var m Memory
	for _, line := range strings.Split(string(data), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		var dst *int64
		switch name {
		case "VmRSS":
			dst = &m.RSS
		case "VmHWM":
			dst = &m.PeakRSS
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("/proc/%d/status: %s: %w", pid, name, err)
		}
		*dst = kb << 10
	}
	return m, nil
}

// clockTick is the unit of CPU times in /proc: USER_HZ, 100 on Linux.
const clockTick = 10 * time.Millisecond

// CPUTime returns the CPU time, user and system, that a process has used, in
// steps of 10ms.
func CPUTime(pid int) (time.Duration, error) {
	st, err := readStat(pid)
	if err != nil {
		return 0, err
	}
	return time.Duration(st.cpu) * clockTick, nil
}

// awaitEnvGone waits, bounded, until no process but this one has kv
// ("HOME=…") in its environment, and kills those left after that. A
// sandbox's cleanup calls it before its folder is removed: an editor that
// quit leaves its language servers finishing (a proxy stopping gopls,
// gopls's go commands), and a file one of them writes meanwhile makes the
// removal fail.
func awaitEnvGone(t testing.TB, kv string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for left := processesWith(kv); len(left) > 0; left = processesWith(kv) {
		for _, p := range left {
			if AwaitGone(ctx, p) == nil {
				continue
			}
			t.Logf("%s (pid %d) still runs at the end of the test: killed", p.Comm, p.PID)
			if proc, err := os.FindProcess(p.PID); err == nil {
				proc.Kill()
			}
		}
	}
}

// processesWith returns the running processes, this one aside, whose
// environment holds kv.
func processesWith(kv string) []ProcessID {
	out, _ := running(func(pid int, _ procStat) bool {
		if pid == os.Getpid() {
			return false
		}
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		return err == nil && slices.ContainsFunc(bytes.Split(env, []byte{0}), func(e []byte) bool { return string(e) == kv })
	})
	return out
}
