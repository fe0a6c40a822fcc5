package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestMemoryLimitUnlessGOMEMLIMIT(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	if got := limitMemory(func(string) string { return "" }); got != memoryLimit {
		t.Errorf("without GOMEMLIMIT the limit is %d, want %d", got, memoryLimit)
	}
	debug.SetMemoryLimit(math.MaxInt64) // as the runtime sets it from GOMEMLIMIT=off
	env := func(k string) string {
		if k == "GOMEMLIMIT" {
			return "off"
		}
		return ""
	}
	if got := limitMemory(env); got != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set the limit is %d, want the environment's (%d)", got, int64(math.MaxInt64))
	}
}
