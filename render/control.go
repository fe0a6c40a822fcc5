package render

import (
	"time"

	"mcu/workflow"
)

// UniqueShowCard is the callback of a button under the morning summary
// or a deadline reminder that re-posts an appeal's card at the bottom of
// the chat: "\fs_card|<appeal id>".
const UniqueShowCard = "s_card"

// SummaryView is the morning summary of one direction's chat: its open
// appeals by what needs doing, each list soonest deadline first. An
// appeal may be in two lists (overdue and waiting for approval).
type SummaryView struct {
	Direction string    // the direction's name
	Date      time.Time // the day it is for
	Overdue   []*workflow.Appeal
	DueToday  []*workflow.Appeal
	// DueSoon are due within SoonWorkdays working days after today.
	DueSoon      []*workflow.Appeal
	SoonWorkdays int
	OnApproval   []*workflow.Appeal // drafts waiting for the curator
	Untaken      []*workflow.Appeal // assigned, nobody took them
}

// Empty reports whether the summary has nothing to report.
func (v SummaryView) Empty() bool {
	return len(v.Overdue)+len(v.DueToday)+len(v.DueSoon)+len(v.OnApproval)+len(v.Untaken) == 0
}

// summaryLines is how many appeals a section of the summary lists; the
// rest are counted.
const summaryLines = 20
