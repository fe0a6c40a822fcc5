package control

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"mcu/outbox"
	"mcu/render"
	"mcu/workflow"
)

// Summary sends the morning summary to each bound direction chat: its
// overdue appeals, those due today and in the next 2 working days, the
// drafts waiting for the curator's approval and the appeals nobody has
// taken; each appeal's number is a button that re-posts its card at the
// bottom of the chat. A chat with nothing to report gets nothing. It is
// sent once per direction and slot; a late run sends it only on the
// slot's own day, and no summary goes out on a day off of the production
// calendar.
func (c *Control) Summary(ctx context.Context, slot time.Time, late bool) error {
	now := c.now()
	today := c.day(now)
	if late && !c.day(slot).Equal(today) {
		c.opts.Logger.InfoContext(ctx, "control: a summary of another day is not sent late", "slot", slot)
		return nil
	}
	if !c.isWorkday(today) {
		c.opts.Logger.InfoContext(ctx, "control: no summary on a day off", "day", today)
		return nil
	}
	bindings, err := c.opts.Store.FindBindings(ctx)
	if err != nil {
		return fmt.Errorf("control: summary: %w", err)
	}
	appeals, err := c.opts.Store.FindOpenAppeals(ctx)
	if err != nil {
		return fmt.Errorf("control: summary: %w", err)
	}
	names, err := c.directionNames(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, b := range bindings {
		if b.Purpose != workflow.BindDirection {
			continue
		}
		v := c.summaryView(appeals, b.Direction, now)
		v.Direction = render.DirectionName(b.Direction, names)
		if err := c.sendSummary(ctx, slot, b.Direction, v, now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// summaryView sorts the open appeals of a direction into the summary's
// lists.
func (c *Control) summaryView(appeals []*workflow.Appeal, direction string, now time.Time) render.SummaryView {
	today := c.day(now)
	soon := c.opts.Calendar.AddWorkdays(today, SummaryWorkdays)
	v := render.SummaryView{Date: today, SoonWorkdays: SummaryWorkdays}
	for _, a := range appeals {
		if a.Direction != direction {
			continue
		}
		due := c.day(a.DueAt)
		switch {
		case a.Overdue(now):
			v.Overdue = append(v.Overdue, a)
		case due.Equal(today):
			v.DueToday = append(v.DueToday, a)
		case due.After(today) && !due.After(soon):
			v.DueSoon = append(v.DueSoon, a)
		}
		switch {
		case a.State == workflow.StateOnApproval:
			v.OnApproval = append(v.OnApproval, a)
		case a.State == workflow.StateAssigned && a.ExecutorID == 0:
			v.Untaken = append(v.Untaken, a)
		}
	}
	return v
}

// sendSummary sends a direction's summary once for slot (recording also
// an empty one, which sends nothing).
func (c *Control) sendSummary(ctx context.Context, slot time.Time, direction string, v render.SummaryView, now time.Time) error {
	buttons := summaryButtons(v)
	items := 0
	for _, row := range buttons {
		items += len(row)
	}
	sent, err := c.opts.Store.SendSummary(ctx, slot, direction, items, now, func(ctx context.Context, enqueue Enqueue) error {
		if v.Empty() {
			return nil
		}
		msg := outbox.Prepared{Text: render.SummaryText(v, c.opts.Location, now), Buttons: buttons}
		return c.enqueueAll(ctx, enqueue, []letter{{to: chatOf(direction), msg: msg}})
	})
	if err != nil {
		return fmt.Errorf("control: summary of %s: %w", direction, err)
	}
	if sent && !v.Empty() {
		c.opts.Logger.InfoContext(ctx, "control: summary sent", "direction", direction, "appeals", items)
	}
	return nil
}

// Buttons of the summary: each appeal once, in the order of the lists,
// three to a row, at most maxSummaryButtons (Telegram allows 100).
const (
	summaryButtonsPerRow = 3
	maxSummaryButtons    = 90
)

// summaryButtons are the numbers of the summary's appeals as buttons
// that re-post their cards.
func summaryButtons(v render.SummaryView) [][]outbox.Button {
	seen := map[int64]bool{}
	var rows [][]outbox.Button
	var row []outbox.Button
	for _, list := range [][]*workflow.Appeal{v.Overdue, v.DueToday, v.DueSoon, v.OnApproval, v.Untaken} {
		for _, a := range list {
			if seen[a.ID] || len(seen) == maxSummaryButtons {
				continue
			}
			seen[a.ID] = true
			row = append(row, outbox.Button{Text: a.Number(), Unique: render.UniqueShowCard, Data: strconv.FormatInt(a.ID, 10)})
			if len(row) == summaryButtonsPerRow {
				rows, row = append(rows, row), nil
			}
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}
