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

// Deadlines sends, for every open appeal, the alert of the furthest
// threshold its deadline has reached, once per appeal, threshold and due
// date: 3 working days before the due date, then 1 working day before
// (to the direction's chat, or triage), then on the due date itself (the
// escalation: also to the direction's curators in private, and recorded
// for the digest). A threshold passed while the job did not run is not
// sent late once a further one is reached; an extension (a new due date)
// starts over. slot and late change nothing: a run sends what is due at
// its time.
func (c *Control) Deadlines(ctx context.Context, slot time.Time, late bool) error {
	now := c.now()
	appeals, err := c.opts.Store.FindOpenAppeals(ctx)
	if err != nil {
		return fmt.Errorf("control: deadlines: %w", err)
	}
	names, err := c.directionNames(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range appeals {
		threshold, left := c.deadlineThreshold(a, now)
		if threshold == "" {
			continue
		}
		letters, err := c.deadlineLetters(ctx, a, threshold, left, render.DirectionName(a.Direction, names), now)
		if err == nil {
			err = c.alert(ctx, a, threshold, a.DueAt, now, letters)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// deadlineThreshold returns the furthest threshold a's deadline has
// reached at now ("" for none) and, for a reminder, in how many working
// days the due date comes.
func (c *Control) deadlineThreshold(a *workflow.Appeal, now time.Time) (string, int) {
	if a.DueAt.IsZero() {
		return "", 0
	}
	today, due := c.day(now), c.day(a.DueAt)
	cal := c.opts.Calendar
	switch {
	case !today.Before(due):
		return ThresholdEscalate, 0
	case !cal.AddWorkdays(today, 1).Before(due):
		return ThresholdRemind1, 1
	case !cal.AddWorkdays(today, 3).Before(due):
		return ThresholdRemind3, c.workdaysUntil(today, due, 3)
	}
	return "", 0
}

// deadlineLetters are the messages of a deadline alert: to the chat of
// a's direction (with «Показать карточку»), and for an escalation to the
// direction's curators in private.
func (c *Control) deadlineLetters(ctx context.Context, a *workflow.Appeal, threshold string, left int, direction string, now time.Time) ([]letter, error) {
	loc := c.opts.Location
	if threshold != ThresholdEscalate {
		text := render.DeadlineReminder(a, direction, left, loc)
		return []letter{{to: chatOf(a.Direction), msg: outbox.Prepared{Text: text, Buttons: showCard(a)}}}, nil
	}
	text := render.DeadlineEscalation(a, direction, loc, now)
	letters := []letter{{to: chatOf(a.Direction), msg: outbox.Prepared{Text: text, Buttons: showCard(a)}}}
	if a.Direction == "" {
		return letters, nil
	}
	curators, err := c.opts.Store.FindCurators(ctx, a.Direction)
	if err != nil {
		return nil, fmt.Errorf("control: curators of %s: %w", a.Direction, err)
	}
	for _, id := range curators {
		// A user's private chat has the user's id.
		letters = append(letters, letter{to: outbox.Recipient{ChatID: id}, msg: outbox.Prepared{Text: text}})
	}
	return letters, nil
}

// showCard is «Показать карточку» under an alert in a staff chat.
func showCard(a *workflow.Appeal) [][]outbox.Button {
	return [][]outbox.Button{{{Text: render.BtnShowCard, Unique: render.UniqueShowCard, Data: strconv.FormatInt(a.ID, 10)}}}
}
