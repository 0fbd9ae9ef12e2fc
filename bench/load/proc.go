package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat and
// /proc/stat: 100 on every Linux architecture Go runs on (sysconf needs
// cgo; the kernel fixes USER_HZ at 100 for its user-space ABI).
const clockTicks = 100

// rssKiB is a process's resident set (VmRSS) in KiB.
func rssKiB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("worker memory: %w", err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) < 1 {
				break
			}
			v, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("worker memory: VmRSS %q: %w", rest, err)
			}
			return v, nil
		}
	}
	return 0, fmt.Errorf("worker memory: no VmRSS in /proc/%d/status", pid)
}

// procStat is what rota's load command reads of /proc/<pid>/stat.
type procStat struct {
	pgrp  int
	ticks int64 // utime + stime, in clock ticks
}

// readProcStat parses /proc/<pid>/stat. The command name (field 2) may
// hold spaces and parentheses: the fields after it start after the last ')'.
func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
	if len(f) < 13 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	pgrp, err1 := strconv.Atoi(f[2])
	ut, err2 := strconv.ParseInt(f[11], 10, 64)
	st, err3 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return procStat{pgrp: pgrp, ticks: ut + st}, nil
}

// groupTicks sums the CPU time of every live process in process group
// pgrp (a dev server and whatever it started). Processes that ended are
// not counted from then on: the group's leader is the server itself, so
// for rota's load this is the server's CPU.
func groupTicks(pgrp int) (int64, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("cpu: %w", err)
	}
	var sum int64
	found := false
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readProcStat(pid)
		if err != nil || st.pgrp != pgrp {
			continue // gone in between, or not ours
		}
		sum += st.ticks
		found = true
	}
	if !found {
		return 0, fmt.Errorf("cpu: no process in group %d", pgrp)
	}
	return sum, nil
}

// machineTicks reads the first line of /proc/stat: the busy and total
// clock ticks of all CPUs together since boot.
func machineTicks() (busy, total int64, err error) {
	f, err := os.Open(filepath.Join("/proc", "stat"))
	if err != nil {
		return 0, 0, fmt.Errorf("cpu: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, 0, errors.New("cpu: /proc/stat is empty")
	}
	fields := strings.Fields(sc.Text())
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0, 0, fmt.Errorf("cpu: /proc/stat starts %q", sc.Text())
	}
	// user nice system idle iowait irq softirq steal (guest is within user).
	for i, s := range fields[1:] {
		if i >= 8 {
			break
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("cpu: /proc/stat: %w", err)
		}
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total, nil
}

// memTotalKiB is the machine's memory (MemTotal of /proc/meminfo).
func memTotalKiB() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				v, _ := strconv.ParseInt(f[0], 10, 64)
				return v
			}
		}
	}
	return 0
}
