package bot

import (
	"context"
	"errors"
	"slices"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/tgstate"
	"mcu/workflow"
)

// onDirectionButton takes the direction: "\fr_dir|<dialog id>|<code>",
// the code "-" for «Не знаю».
func (b *Bot) onDirectionButton(c tele.Context, r *workflow.ResidentProfile) error {
	args := c.Args()
	d, data, ok, err := b.currentIntake(c, args, 2)
	if !ok || d.State != stepDirection {
		return b.stale(c, err)
	}
	code := args[1]
	if code == "-" {
		code = ""
	} else if dirs, err := b.opts.Store.FindDirections(contextOf(c)); err != nil {
		return b.fail(c, err)
	} else if !slices.ContainsFunc(dirs, func(d workflow.Direction) bool { return d.Code == code }) {
		return respond(c, render.TextStale) // an old button, or a direction turned off since
	}
	data.Direction = code
	if err := respond(c, ""); err != nil {
		return err
	}
	return b.moveIntake(c, d.State, data, evChoose)
}

// currentIntake returns the intake dialog a button belongs to: args[0] is
// the dialog's id and, when n > 2, args[1] the step the button was shown
// at. ok is false for a button of another dialog or step.
func (b *Bot) currentIntake(c tele.Context, args []string, n int) (*tgstate.Dialog, *intakeData, bool, error) {
	if len(args) != n {
		return nil, nil, false, nil
	}
	d, err := b.findDialog(contextOf(c), c)
	if err != nil || d == nil || d.Kind != dialogIntake {
		return nil, nil, false, err
	}
	data, err := decodeIntake(d)
	if err != nil {
		return nil, nil, false, err
	}
	if data.id() != args[0] || (n > 2 && d.State != args[1]) {
		return nil, nil, false, nil
	}
	return d, data, true, nil
}

// stale answers a button that no longer applies (or a failure to tell).
func (b *Bot) stale(c tele.Context, err error) error {
	if err != nil {
		return b.fail(c, err)
	}
	return respond(c, render.TextStale)
}

// onIntakeButton answers the intake's buttons:
// "\fr_in|<dialog id>|<step>|<action>".
func (b *Bot) onIntakeButton(c tele.Context, r *workflow.ResidentProfile) error {
	args := c.Args()
	d, data, ok, err := b.currentIntake(c, args, 3)
	if !ok {
		return b.stale(c, err)
	}
	ctx := contextOf(c)
	action := args[2]
	switch action {
	case "submit":
		if d.State != stepConfirm {
			return respond(c, render.TextStale)
		}
		return b.submitIntake(c, r, d, data)
	case "cancel":
		if err := b.opts.Store.FinishDialog(ctx, d, nil, nil); err != nil {
			return b.fail(c, err)
		}
		if err := respond(c, ""); err != nil {
			return err
		}
		return c.Edit(render.TextIntakeCancelled)
	case "cont":
		if err := respond(c, ""); err != nil {
			return err
		}
		return b.promptIntake(c, "", d.State, data, "")
	case "over":
		if err := b.opts.Store.FinishDialog(ctx, d, nil, nil); err != nil {
			return b.fail(c, err)
		}
		if err := respond(c, ""); err != nil {
			return err
		}
		return b.startIntake(c, &intakeData{}, "")
	}
	switch action {
	case evChangeDir, evChangeLocation, evChangePhone:
		data.Editing = true
	case evChangeDetails:
		data.Editing = true
		data.Text, data.Photos, data.Album = "", nil, ""
	case evNext:
		if _, ok := description(data.Text); !ok && d.State == stepDetails {
			return respond(c, render.TextIntakeNeedText)
		}
	}
	if _, ok := intakeNext(d.State, intakeEvent(d.State, data, action)); !ok {
		return respond(c, render.TextStale)
	}
	if err := respond(c, ""); err != nil {
		return err
	}
	return b.moveIntake(c, d.State, data, action)
}

// submitIntake registers the appeal and ends the dialog in one
// transaction: pressed twice, it submits once.
func (b *Bot) submitIntake(c tele.Context, r *workflow.ResidentProfile, d *tgstate.Dialog, data *intakeData) error {
	ctx := contextOf(c)
	n := workflow.NewAppeal{
		Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: data.Direction,
		ResidentID: r.ID, Text: data.Text, Address: data.Address, Location: data.Location,
		Attachments: data.Photos,
		Told:        true, // the summary becomes the number, below
	}
	if data.Phone != "" {
		n.ContactName, n.Contact = r.Name, data.Phone
	}
	var a *workflow.Appeal
	err := b.opts.Store.FinishDialog(ctx, d, nil, func(ctx context.Context, tx workflow.Tx) error {
		var err error
		a, err = b.opts.Service.SubmitIn(ctx, tx, workflow.Resident(c.Sender().ID), n)
		return err
	})
	var limit *workflow.LimitError
	switch {
	case errors.As(err, &limit):
		if err := respond(c, ""); err != nil {
			return err
		}
		return c.Send(render.LimitedText(b.opts.Service.AppealsPerHour, limit.RetryAt, b.opts.Location, true))
	case err != nil:
		return b.fail(c, err)
	}
	b.logger.InfoContext(ctx, "appeal submitted", "appeal_id", a.ID, "resident_id", r.ID,
		"direction", a.Direction, "photos", len(data.Photos))
	if err := respond(c, render.TextSubmitted); err != nil {
		return err
	}
	// The summary becomes the number and the deadline, in place.
	return c.Edit(render.RegisteredText(a, b.opts.Location))
}
