package schedule_test

import (
	"testing"
	"time"

	"mcu/schedule"
)

func TestPrevious(t *testing.T) {
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, msk) }
	for _, c := range []struct {
		spec    string
		t, want time.Time
	}{
		{"0 9 * * *", at(17, 9, 0), at(16, 9, 0)},   // at a slot: the one before it
		{"0 9 * * *", at(17, 9, 30), at(17, 9, 0)},  // after a slot: that slot
		{"0 9 * * *", at(17, 8, 59), at(16, 9, 0)},  // before today's
		{"0 9 * * 1-5", at(16, 9, 0), at(13, 9, 0)}, // Monday: the Friday before
		{"0 8 1 * *", at(1, 8, 0), time.Date(2026, 2, 1, 8, 0, 0, 0, msk)},
	} {
		got, err := schedule.Previous(c.spec, msk, c.t)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("Previous(%q, %s) = %s, %v; want %s", c.spec, c.t.Format(time.DateTime), got.Format(time.DateTime), err, c.want.Format(time.DateTime))
		}
	}
	if _, err := schedule.Previous("@every 1h", msk, at(1, 0, 0)); err == nil {
		t.Error("Previous took @every")
	}
}
