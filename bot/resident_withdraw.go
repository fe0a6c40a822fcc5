package bot

import (
	"fmt"
	"strconv"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/workflow"
)

// onWithdraw asks to confirm withdrawing: "\fr_wd|<id>|<version>".
func (b *Bot) onWithdraw(c tele.Context, r *workflow.ResidentProfile) error {
	args := c.Args()
	if len(args) != 2 {
		return respond(c, render.TextStale)
	}
	a, ok, err := b.ownAppeal(c, args[0])
	if !ok {
		return b.stale(c, err)
	}
	if _, ok := workflow.Next(a.State, workflow.EventWithdraw); !ok || strconv.Itoa(a.Version) != args[1] {
		return respond(c, fmt.Sprintf(render.TextAppealChanged, a.Number()))
	}
	m := &tele.ReplyMarkup{}
	m.Inline(m.Row(m.Data(render.BtnWithdrawYes, "r_wdy", args[0], args[1]), m.Data(render.BtnWithdrawNo, "r_wdn", args[0])))
	if err := respond(c, ""); err != nil {
		return err
	}
	return b.edit(c, fmt.Sprintf(render.TextWithdrawAsk, a.Number()), m)
}

// onWithdrawNo goes back from the confirmation to the appeal:
// "\fr_wdn|<id>".
func (b *Bot) onWithdrawNo(c tele.Context, r *workflow.ResidentProfile) error {
	return b.showOwn(c, true)
}

// onWithdrawYes withdraws the appeal: "\fr_wdy|<id>|<version>". The
// version is the one the resident saw, so a stale confirmation changes
// nothing.
func (b *Bot) onWithdrawYes(c tele.Context, r *workflow.ResidentProfile) error {
	args := c.Args()
	if len(args) != 2 {
		return respond(c, render.TextStale)
	}
	id, ok1 := parseID(args[0])
	version, err2 := strconv.Atoi(args[1])
	if !ok1 || err2 != nil {
		return respond(c, render.TextStale)
	}
	ctx := contextOf(c)
	a, err := b.opts.Service.Apply(ctx, workflow.Command{
		AppealID: id, Event: workflow.EventWithdraw, Actor: workflow.Resident(c.Sender().ID), Version: version,
	})
	switch workflow.ErrorCode(err) {
	case "":
	case workflow.EConflict, workflow.EInvalid:
		cur, ok, ferr := b.ownAppeal(c, args[0])
		if !ok || ferr != nil {
			return b.stale(c, ferr)
		}
		return respond(c, fmt.Sprintf(render.TextAppealChanged, cur.Number()))
	case workflow.ENotFound:
		return respond(c, render.TextStale)
	default:
		return b.fail(c, err)
	}
	b.logger.InfoContext(ctx, "appeal withdrawn", "appeal_id", a.ID, "resident_id", r.ID)
	if err := respond(c, ""); err != nil {
		return err
	}
	return b.edit(c, fmt.Sprintf(render.TextWithdrawn, a.Number()), nil)
}
