package control

import (
	"context"
	"errors"
	"fmt"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/outbox"
	"mcu/render"
	"mcu/workflow"
)

// Ratings follows up answers the resident has not rated: 3 days after
// the answer (or a day before the close, when sooner) the resident is
// reminded once (with the 1–5 row), and Options.RatingDays (7) days after
// it the system closes the appeal without a rating — an audited
// close by workflow.System() through the workflow, which tells the
// resident. A citizen not in Telegram (or who blocked the bot) gets no
// reminder; the close comes all the same. slot and late change nothing.
func (c *Control) Ratings(ctx context.Context, slot time.Time, late bool) error {
	now := c.now()
	remind := min(RatingRemindDays, c.opts.RatingDays-1)
	appeals, err := c.opts.Store.FindUnratedAnswers(ctx, now.AddDate(0, 0, -remind))
	if err != nil {
		return fmt.Errorf("control: ratings: %w", err)
	}
	var errs []error
	for _, a := range appeals {
		closeAt := a.AnsweredAt.In(c.opts.Location).AddDate(0, 0, c.opts.RatingDays)
		if !now.Before(closeAt) {
			err = c.closeUnrated(ctx, a)
		} else {
			err = c.remindRating(ctx, a, closeAt, now)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// closeUnrated closes an answered appeal nobody rated, as it was read: if
// the resident rated, reopened or closed it since, it is left alone.
func (c *Control) closeUnrated(ctx context.Context, a *workflow.Appeal) error {
	_, err := c.opts.Service.Apply(ctx, workflow.Command{
		AppealID: a.ID, Event: workflow.EventClose, Actor: workflow.System(), Version: a.Version,
	})
	switch workflow.ErrorCode(err) {
	case "":
		c.opts.Logger.InfoContext(ctx, "control: closed without a rating", "appeal_id", a.ID, "number", a.Number())
		return nil
	case workflow.EConflict, workflow.EInvalid:
		c.opts.Logger.InfoContext(ctx, "control: appeal changed before its close; left alone", "appeal_id", a.ID, "error", err)
		return nil
	}
	return fmt.Errorf("control: close appeal %d without a rating: %w", a.ID, err)
}

// remindRating asks the resident once to rate the answer, in their
// private chat, with the 1–5 row.
func (c *Control) remindRating(ctx context.Context, a *workflow.Appeal, closeAt, now time.Time) error {
	if a.ResidentID == 0 {
		return nil
	}
	chat, err := c.opts.Store.FindResidentChat(ctx, a.ResidentID)
	if err != nil || chat == 0 {
		return err
	}
	msg := outbox.Prepared{Text: render.RatingReminder(a, closeAt, c.opts.Location), Buttons: ratingButtons(a.ID)}
	return c.alert(ctx, a, ThresholdRating, a.AnsweredAt, now, []letter{{to: outbox.Recipient{ChatID: chat}, msg: msg}})
}

// ratingButtons is the 1–5 row under the answer (render.RatingRow), as
// buttons of a prepared message.
func ratingButtons(appealID int64) [][]outbox.Button {
	var row []outbox.Button
	for _, b := range render.RatingRow(&tele.ReplyMarkup{}, appealID) {
		row = append(row, outbox.Button{Text: b.Text, Unique: b.Unique, Data: b.Data})
	}
	return [][]outbox.Button{row}
}
