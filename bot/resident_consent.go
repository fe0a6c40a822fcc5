package bot

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/workflow"
)

// startResident greets a person who opened the bot: the consent first,
// then the menu.
func (b *Bot) startResident(c tele.Context) error {
	r, err := b.findResident(c)
	if err != nil {
		return b.fail(c, err)
	}
	if !r.Consented() {
		return b.askConsent(c)
	}
	if err := b.touch(c, r); err != nil {
		return b.fail(c, err)
	}
	return c.Send(render.TextGreeting, mainMenu())
}

// askConsent shows who processes the data and why, with «Согласен».
func (b *Bot) askConsent(c tele.Context) error {
	m := &tele.ReplyMarkup{}
	m.Inline(
		m.Row(m.Data(render.BtnConsentYes, "r_consent", "yes")),
		m.Row(m.Data(render.BtnConsentFull, "r_consent", "full"), m.Data(render.BtnConsentNo, "r_consent", "no")),
	)
	return c.Send(fmt.Sprintf(render.TextConsent, b.operatorName()), m)
}

// onConsent answers the consent buttons: yes, full (the full text) or no.
func (b *Bot) onConsent(c tele.Context) error {
	ctx := contextOf(c)
	switch c.Callback().Data {
	case "yes":
		u := c.Sender()
		r, created, err := b.opts.Store.GiveConsent(ctx, workflow.Consent{
			UserID: u.ID, ChatID: c.Chat().ID, Name: strings.TrimSpace(u.FirstName + " " + u.LastName),
			Version: b.consentVersion(), At: b.opts.Now(),
		})
		if err != nil {
			return b.fail(c, err)
		}
		if !created {
			return respond(c, render.TextConsentAlready)
		}
		b.logger.InfoContext(ctx, "resident consented", "resident_id", r.ID, "consent_version", b.consentVersion())
		b.dropButtons(c)
		if err := respond(c, ""); err != nil {
			return err
		}
		if err := c.Send(render.TextConsentGiven, mainMenu()); err != nil {
			return err
		}
		return b.askNews(c)
	case "full":
		if err := respond(c, ""); err != nil {
			return err
		}
		return c.Send(fmt.Sprintf(render.TextConsentFull, b.operatorName()))
	case "no":
		if err := respond(c, ""); err != nil {
			return err
		}
		return c.Send(render.TextConsentDeclined)
	}
	return respond(c, render.TextStale)
}

// findResident returns the resident writing in c, or nil (and no error)
// when they are not one: never consented, or forgotten.
func (b *Bot) findResident(c tele.Context) (*workflow.ResidentProfile, error) {
	r, err := b.opts.Store.FindResident(contextOf(c), c.Sender().ID)
	if workflow.ErrorCode(err) == workflow.ENotFound {
		return nil, nil
	}
	return r, err
}

// resident returns the consented resident writing in c. Without consent
// it asks for it and returns nil: the caller stops there.
func (b *Bot) resident(c tele.Context) (*workflow.ResidentProfile, error) {
	r, err := b.findResident(c)
	if err != nil {
		return nil, err
	}
	if !r.Consented() {
		if c.Callback() != nil {
			if err := respond(c, render.TextConsentNeeded); err != nil {
				return nil, err
			}
		}
		return nil, b.askConsent(c)
	}
	if err := b.touch(c, r); err != nil {
		return nil, err
	}
	return r, nil
}

// consented wraps a handler for residents who have given consent: anyone
// else is asked for it, and the handler gets the resident.
func (b *Bot) consented(h func(c tele.Context, r *workflow.ResidentProfile) error) tele.HandlerFunc {
	return func(c tele.Context) error {
		r, err := b.resident(c)
		if r == nil {
			return b.failIf(c, err)
		}
		return h(c, r)
	}
}

// touch notes that the resident writes from this chat: one who had blocked
// the bot gets messages again.
func (b *Bot) touch(c tele.Context, r *workflow.ResidentProfile) error {
	if r.BlockedAt.IsZero() && r.ChatID == c.Chat().ID {
		return nil
	}
	return b.opts.Store.UnblockResident(contextOf(c), r.UserID, c.Chat().ID)
}

// operatorName is the personal-data operator named in the consent.
func (b *Bot) operatorName() string {
	if b.opts.OperatorName != "" {
		return b.opts.OperatorName
	}
	return render.DefaultOperatorName
}

// consentVersion identifies the consent text a resident agreed to: the
// wording's version and a short hash of the operator's name, which is
// configured per municipality.
func (b *Bot) consentVersion() string {
	if b.opts.OperatorName == "" {
		return render.ConsentVersion
	}
	sum := sha256.Sum256([]byte(b.opts.OperatorName))
	return render.ConsentVersion + "-" + hex.EncodeToString(sum[:4])
}
