package bot

import (
	"fmt"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/workflow"
)

// onStaffForget answers an admin's /forget <номер>: the personal data of
// the appeal's author are erased, as when a resident revokes the consent
// by a letter or in person (a resident in the bot does it with /privacy).
// Their appeals must be finished first: an admin cannot withdraw them on
// the resident's behalf, and staff still working on one need its text.
func (b *Bot) onStaffForget(c tele.Context) error {
	ctx := contextOf(c)
	args := c.Args()
	if len(args) != 1 {
		return reply(c, render.TextForgetUsage)
	}
	a, err := b.opts.Store.FindAppealByNumber(ctx, args[0])
	if workflow.ErrorCode(err) == workflow.EInvalid {
		return reply(c, render.TextForgetUsage)
	}
	if err != nil {
		return reply(c, b.answer(ctx, err))
	}
	num, now := a.Number(), b.opts.Now()
	var open []*workflow.Appeal
	switch {
	case a.ResidentID != 0:
		if open, err = b.opts.Store.FindOpenResidentAppeals(ctx, a.ResidentID); err != nil {
			return err
		}
	case a.State.Open():
		open = []*workflow.Appeal{a}
	}
	if len(open) > 0 {
		return reply(c, fmt.Sprintf(render.TextForgetStaffOpen, num, render.NumberList(open)))
	}
	n := 1
	if a.ResidentID != 0 {
		n, err = b.opts.Store.ForgetResident(ctx, a.ResidentID, now, nil)
	} else {
		err = b.opts.Store.ForgetAppealContent(ctx, a.ID, now)
	}
	if workflow.ErrorCode(err) == workflow.ENotFound {
		return reply(c, fmt.Sprintf(render.TextForgetStaffAlready, num))
	}
	if err != nil {
		return err
	}
	err = b.opts.Store.RecordStaffAction(ctx, workflow.StaffAction{
		At: now, ActorID: c.Sender().ID, Role: workflow.RoleAdmin, Action: workflow.ActionForget,
		AppealID: a.ID, ChatID: c.Chat().ID,
	})
	if err != nil {
		return err
	}
	b.logger.InfoContext(ctx, "appellant forgotten by an admin", "appeal_id", a.ID, "resident_id", a.ResidentID,
		"appeals", n, "admin_id", c.Sender().ID)
	return reply(c, fmt.Sprintf(render.TextForgetStaffDone, num, n))
}
