package main

import "runtime/debug"

// memoryLimit is the Go runtime's soft memory limit of mcu unless the
// environment's GOMEMLIMIT sets another. Near it the garbage collector
// runs more often instead of letting the heap grow to twice what is live
// (GOGC's default), so a burst — a thousand residents at once — costs
// some CPU, not memory: serve stays within 40 MB resident
// (docs/benchmarks.md). It is soft: a heap that needs more gets it.
const memoryLimit = 20 << 20

// limitMemory sets memoryLimit unless GOMEMLIMIT is set, and returns the
// limit in force.
func limitMemory(getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	return debug.SetMemoryLimit(-1)
}
