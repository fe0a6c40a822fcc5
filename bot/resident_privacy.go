package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/workflow"
)

// Unique names of the /privacy buttons: revoke the consent, and the
// confirmation's yes and no.
const (
	uniqueForget    = "r_fg"
	uniqueForgetYes = "r_fgy"
	uniqueForgetNo  = "r_fgn"
)

// onPrivacy answers /privacy, with or without consent: who keeps what
// about the resident and why, with «Отозвать согласие».
func (b *Bot) onPrivacy(c tele.Context) error {
	ctx := contextOf(c)
	r, err := b.findResident(c)
	if err != nil {
		return b.fail(c, err)
	}
	if !r.Consented() {
		return c.Send(fmt.Sprintf(render.TextPrivacyNone, b.operatorName()))
	}
	_, total, err := b.opts.Store.FindResidentAppeals(ctx, r.ID, 1, 0)
	if err != nil {
		return b.fail(c, err)
	}
	m := &tele.ReplyMarkup{}
	m.Inline(m.Row(m.Data(render.BtnForget, uniqueForget)))
	return c.Send(render.PrivacyText(b.operatorName(), r, total, b.opts.Location), m)
}

// onForget asks to confirm revoking the consent, naming the open appeals
// it would withdraw; a digest of them goes with «Да», so that a
// confirmation that no longer tells the truth changes nothing.
func (b *Bot) onForget(c tele.Context, r *workflow.ResidentProfile) error {
	open, err := b.opts.Store.FindOpenResidentAppeals(contextOf(c), r.ID)
	if err != nil {
		return b.fail(c, err)
	}
	if err := respond(c, ""); err != nil {
		return err
	}
	return b.askForget(c, open)
}

// askForget shows the confirmation of revoking the consent for the open
// appeals it names.
func (b *Bot) askForget(c tele.Context, open []*workflow.Appeal) error {
	return b.edit(c, render.ForgetAskText(open), forgetConfirm(open))
}

// askForgetAgain says the appeals changed since the confirmation was
// shown, and shows it again for those open now.
func (b *Bot) askForgetAgain(c tele.Context, open []*workflow.Appeal) error {
	if err := respond(c, render.TextForgetChanged); err != nil {
		return err
	}
	return b.askForget(c, open)
}

// forgetConfirm is «Да, отозвать и удалить» / «Нет» for the open appeals
// named above it.
func forgetConfirm(open []*workflow.Appeal) *tele.ReplyMarkup {
	m := &tele.ReplyMarkup{}
	m.Inline(m.Row(m.Data(render.BtnForgetYes, uniqueForgetYes, openDigest(open)), m.Data(render.BtnForgetNo, uniqueForgetNo)))
	return m
}

// openDigest names a list of open appeals in a few bytes of callback
// data: their ids and versions, hashed.
func openDigest(open []*workflow.Appeal) string {
	h := sha256.New()
	for _, a := range open {
		fmt.Fprintf(h, "%d.%d;", a.ID, a.Version)
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}

// onForgetNo keeps the consent.
func (b *Bot) onForgetNo(c tele.Context, _ *workflow.ResidentProfile) error {
	if err := respond(c, ""); err != nil {
		return err
	}
	return b.edit(c, render.TextForgetKept, nil)
}

// onForgetYes revokes the consent: the resident's open appeals are
// withdrawn (their staff told, as by «Отозвать») and everything personal
// is erased, in one transaction. Pressed again, or after the resident was
// forgotten otherwise, it says so and changes nothing.
func (b *Bot) onForgetYes(c tele.Context) error {
	ctx := contextOf(c)
	r, err := b.findResident(c)
	if err != nil {
		return b.fail(c, err)
	}
	if !r.Consented() {
		b.dropButtons(c)
		return respond(c, render.TextForgottenAlready)
	}
	open, err := b.opts.Store.FindOpenResidentAppeals(ctx, r.ID)
	if err != nil {
		return b.fail(c, err)
	}
	if args := c.Args(); len(args) != 1 || args[0] != openDigest(open) {
		return b.askForgetAgain(c, open)
	}
	n, err := b.opts.Store.ForgetResident(ctx, r.ID, b.opts.Now(), func(ctx context.Context, tx workflow.Tx) error {
		for _, a := range open {
			_, err := b.opts.Service.ApplyIn(ctx, tx, workflow.Command{
				AppealID: a.ID, Event: workflow.EventWithdraw, Actor: workflow.Resident(r.UserID), Version: a.Version,
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	switch workflow.ErrorCode(err) {
	case "":
	case workflow.EConflict, workflow.EInvalid:
		// An appeal changed since it was read: nothing was done.
		open, err := b.opts.Store.FindOpenResidentAppeals(ctx, r.ID)
		if err != nil {
			return err
		}
		return b.askForgetAgain(c, open)
	case workflow.ENotFound:
		// Forgotten meanwhile (a press on another copy of the button).
		b.dropButtons(c)
		return respond(c, render.TextForgottenAlready)
	default:
		return b.fail(c, err)
	}
	b.logger.InfoContext(ctx, "resident forgotten on their request", "resident_id", r.ID, "appeals", n, "withdrawn", len(open))
	if err := respond(c, ""); err != nil {
		return err
	}
	return b.edit(c, render.TextForgotten, nil)
}
