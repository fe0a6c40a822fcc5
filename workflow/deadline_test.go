package workflow_test

import (
	"testing"
	"time"

	"mcu/workflow"
)

// at returns the time in Moscow written "2006-01-02 15:04".
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, moscow)
	if err != nil {
		panic(err)
	}
	return t
}

// endOf returns the end (23:59:59) of a date in Moscow.
func endOf(date string) time.Time {
	return workflow.EndOfDay(at(date + " 00:00"))
}

func TestDeadlineRuleDue(t *testing.T) {
	t.Parallel()
	cal := workflow.NewCalendar(nil, nil)
	appeal59 := func(nonWorking string) workflow.DeadlineRule {
		return workflow.DeadlineRule{Unit: workflow.UnitDays, Amount: 30, NonWorking: nonWorking}
	}
	message := workflow.DeadlineRule{Unit: workflow.UnitWorkdays, Amount: 10, NonWorking: workflow.NonWorkingNext}
	incident := workflow.DeadlineRule{Unit: workflow.UnitHours, Amount: 24, NonWorking: workflow.NonWorkingPrevious}
	for _, tt := range []struct {
		name       string
		rule       workflow.DeadlineRule
		registered string
		want       time.Time
	}{
		// The 30th day is Sunday 25 January 2026.
		{"Sunday, previous", appeal59(workflow.NonWorkingPrevious), "2025-12-26 15:00", endOf("2026-01-23")},
		{"Sunday, default", appeal59(""), "2025-12-26 15:00", endOf("2026-01-23")},
		{"Sunday, next", appeal59(workflow.NonWorkingNext), "2025-12-26 15:00", endOf("2026-01-26")},
		{"Sunday, none", appeal59(workflow.NonWorkingNone), "2025-12-26 15:00", endOf("2026-01-25")},
		// The 30th day is 1 January 2027; 31 December 2026 is off by ПП 1466,
		// the holidays last to Sunday 10 January.
		{"1 January, previous", appeal59(workflow.NonWorkingPrevious), "2026-12-02 09:00", endOf("2026-12-30")},
		{"1 January, next", appeal59(workflow.NonWorkingNext), "2026-12-02 09:00", endOf("2027-01-11")},
		{"1 January, none", appeal59(workflow.NonWorkingNone), "2026-12-02 09:00", endOf("2027-01-01")},
		// Friday 5 November 2027 is off by ПП 1187, 4 November a holiday.
		{"a transfer, previous", appeal59(workflow.NonWorkingPrevious), "2027-10-06 12:00", endOf("2027-11-03")},
		{"a transfer, next", appeal59(workflow.NonWorkingNext), "2027-10-06 12:00", endOf("2027-11-08")},
		// A working day stays, a working Saturday included.
		{"Wednesday", appeal59(workflow.NonWorkingPrevious), "2026-03-02 10:00", endOf("2026-04-01")},
		{"Wednesday, next", appeal59(workflow.NonWorkingNext), "2026-03-02 10:00", endOf("2026-04-01")},
		{"working Saturday", appeal59(workflow.NonWorkingPrevious), "2027-01-21 10:00", endOf("2027-02-20")},
		// Counted from the day after registration in Moscow: 23:30 on
		// 26 December is still the 26th.
		{"late in the day", appeal59(workflow.NonWorkingNone), "2025-12-26 23:30", endOf("2026-01-25")},
		// Working days end on a working day whatever the setting.
		{"workdays", message, "2025-12-26 15:00", endOf("2026-01-21")},
		// Hours run round the clock: due on Sunday 8 March, a holiday.
		{"hours", incident, "2026-03-07 10:00", at("2026-03-08 10:00")},
	} {
		got, err := tt.rule.Due(cal, at(tt.registered), moscow)
		if err != nil {
			t.Errorf("%s: %s.Due(%s): %v", tt.name, tt.rule, tt.registered, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("%s: %s registered %s is due %s, want %s", tt.name, tt.rule, tt.registered,
				got.In(moscow).Format(time.DateTime), tt.want.Format(time.DateTime))
		}
	}
}

func TestDeadlineRuleDueRefuses(t *testing.T) {
	t.Parallel()
	cal := workflow.NewCalendar(nil, nil)
	for _, r := range []workflow.DeadlineRule{
		{Unit: workflow.UnitDays, Amount: 30, NonWorking: "later"},
		{Unit: workflow.UnitHours, Amount: 24, NonWorking: "later"},
		{Unit: workflow.UnitDays, Amount: 0},
		{Unit: "weeks", Amount: 2},
	} {
		if _, err := r.Due(cal, at("2026-03-02 10:00"), moscow); workflow.ErrorCode(err) != workflow.EInvalid {
			t.Errorf("%s: %v, want invalid", r, err)
		}
	}
	if _, err := (workflow.DeadlineRule{Unit: workflow.UnitDays, Amount: 30, NonWorking: "later"}).Extend(cal, endOf("2026-04-01"), 10, moscow); workflow.ErrorCode(err) != workflow.EInvalid {
		t.Errorf("Extend with an unknown non-working rule: %v, want invalid", err)
	}
}

func TestDeadlineRuleExtend(t *testing.T) {
	t.Parallel()
	cal := workflow.NewCalendar(nil, nil)
	rule := func(unit, nonWorking string) workflow.DeadlineRule {
		return workflow.DeadlineRule{Unit: unit, Amount: 30, NonWorking: nonWorking}
	}
	for _, tt := range []struct {
		name string
		rule workflow.DeadlineRule
		due  time.Time
		days int
		want time.Time
	}{
		{"to a Thursday", rule(workflow.UnitWorkdays, ""), endOf("2026-03-17"), 30, endOf("2026-04-16")},
		// 1 April + 10 days is Saturday 11 April 2026.
		{"to a Saturday, previous", rule(workflow.UnitDays, workflow.NonWorkingPrevious), endOf("2026-04-01"), 10, endOf("2026-04-10")},
		{"to a Saturday, next", rule(workflow.UnitDays, workflow.NonWorkingNext), endOf("2026-04-01"), 10, endOf("2026-04-13")},
		{"to a Saturday, none", rule(workflow.UnitDays, workflow.NonWorkingNone), endOf("2026-04-01"), 10, endOf("2026-04-11")},
		// The extension is in calendar days whatever the rule's unit.
		{"workdays rule", rule(workflow.UnitWorkdays, ""), endOf("2026-04-01"), 10, endOf("2026-04-10")},
		{"hours rule", rule(workflow.UnitHours, workflow.NonWorkingNext), at("2026-04-01 10:00"), 10, endOf("2026-04-13")},
	} {
		got, err := tt.rule.Extend(cal, tt.due, tt.days, moscow)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("%s: %s extended by %d days is %s, want %s", tt.name, tt.due.Format(time.DateTime), tt.days,
				got.In(moscow).Format(time.DateTime), tt.want.Format(time.DateTime))
		}
	}
}
