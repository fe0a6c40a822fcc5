package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mcu/demo"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "rewrite docs/demo.png from the browser test of mcu demo")

// chromiumPath is the headless browser the demo's browser test drives.
const chromiumPath = "/usr/bin/chromium"

// needChromium skips the test without Chromium, except under CI (CI=1),
// where a missing browser is a failure.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "1" {
			t.Fatalf("%s is missing under CI: .ci/run installs it (apt-get install chromium)", chromiumPath)
		}
		t.Skipf("the browser test of mcu demo needs headless Chromium at %s: apt-get install -y chromium", chromiumPath)
	}
}

// demoProcess is mcu demo running with its data under dir and its page at
// addr.
type demoProcess struct {
	cmd    *exec.Cmd
	exited chan error
	out    *lockedBuffer
	stderr *bytes.Buffer
	took   time.Duration // from start to the page answering
	ready  time.Duration // from start to the world seeded and the address printed
}

// startDemo starts mcu demo (with args) and waits for its page.
func startDemo(t *testing.T, bin, dir, addr string, args ...string) *demoProcess {
	t.Helper()
	p := &demoProcess{exited: make(chan error, 1), out: &lockedBuffer{}, stderr: &bytes.Buffer{}}
	p.cmd = exec.Command(bin, append([]string{"demo"}, args...)...)
	p.cmd.Env = append(os.Environ(), "MCU_DATA_DIR="+dir, "MCU_HTTP_ADDR="+addr)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.stderr
	start := time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("mcu demo stderr:\n%s", p.stderr.String())
		}
	})
	waitHTTP(t, "http://"+addr+"/", http.StatusOK, 60*time.Second)
	p.took = time.Since(start)
	waitHTTP(t, "http://"+addr+"/readyz", http.StatusOK, 30*time.Second)
	// The world is seeded (on a first start) before mcu demo says it runs.
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(p.out.String(), "mcu demo is running"); {
		if time.Now().After(deadline) {
			t.Fatalf("mcu demo did not say it runs within 60 s; it printed:\n%s", p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.ready = time.Since(start)
	return p
}

// stop interrupts mcu demo (Ctrl-C) and checks it exits 0 within 10 s.
func (p *demoProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("mcu demo exited with %v after Ctrl-C\n%s", err, p.stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("mcu demo did not stop within 10 s of Ctrl-C")
	}
}

// demoDataDir returns a data directory the PostgreSQL server user can
// reach when the tests run as root (t.TempDir's directories are private).
func demoDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "demo")
}

// browser drives the page in headless Chromium, phone-sized.
type browser struct {
	t      *testing.T
	ctx    context.Context
	shots  string // where screenshots go
	nshots int
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.WindowSize(420, 860),
		chromedp.Flag("lang", "ru-RU"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(420, 860)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx, shots: t.ArtifactDir()}
}

// until evaluates js (an expression) until it is true, failing the test
// after 20 s with what the page shows.
func (b *browser) until(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			text, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById("messages").innerText.slice(-1500)`))
			b.t.Fatalf("%s: not within 20 s (last error: %v); the chat ends with:\n%s", what, err, text)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// js quotes s as a JavaScript string.
func js(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// person picks who one is on the page.
func (b *browser) person(key string) {
	b.t.Helper()
	b.until("pick "+key, fmt.Sprintf(`(() => { const p = document.querySelector('#people button[data-key=%s]'); if (!p) return false; p.click(); return true })()`, js(key)))
	b.until(key+"'s chats shown", fmt.Sprintf(`document.querySelector('#people button.active')?.dataset.key === %s && document.querySelectorAll('#chats button').length > 0`, js(key)))
}

// press presses the inline button text on the newest message holding
// within that has one.
func (b *browser) press(text, within string) {
	b.t.Helper()
	b.until(fmt.Sprintf("press %q on the message with %q", text, within), fmt.Sprintf(`(() => {
		const btns = [...document.querySelectorAll('#messages .msg')].filter(m => m.innerText.includes(%s))
			.flatMap(m => [...m.querySelectorAll('button.inline')]).filter(x => x.textContent === %s && !x.disabled);
		if (btns.length === 0) return false;
		btns[btns.length - 1].click();
		return true;
	})()`, js(within), js(text)))
}

// key presses a button of the reply keyboard.
func (b *browser) key(text string) {
	b.t.Helper()
	b.until(fmt.Sprintf("press the keyboard's %q", text), fmt.Sprintf(`(() => {
		const btn = [...document.querySelectorAll('#keyboard button')].find(x => x.textContent === %s);
		if (!btn) return false;
		btn.click();
		return true;
	})()`, js(text)))
}

// shows waits until the chat on screen shows text.
func (b *browser) shows(text string) {
	b.t.Helper()
	b.until(fmt.Sprintf("the chat shows %q", text), fmt.Sprintf(`document.getElementById("messages").innerText.includes(%s)`, js(text)))
}

// write types text into the input and sends it.
func (b *browser) write(text string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.WaitVisible(chromedp.ID("input")), chromedp.SendKeys(chromedp.ID("input"), text),
		chromedp.Click(chromedp.ID("send"))); err != nil {
		b.t.Fatalf("write %q: %v", text, err)
	}
}

// upload sends a photo from the file at path, as the 📎 button does.
func (b *browser) upload(path string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.SetUploadFiles(chromedp.ID("photo"), []string{path}, chromedp.NodeReady)); err != nil {
		b.t.Fatalf("upload %s: %v", path, err)
	}
}

// photoFile writes a 640×480 PNG for the resident to upload.
func photoFile(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			img.Set(x, y, color.RGBA{uint8(x / 3), uint8(y / 2), 180, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "gorka.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// screenshot saves what the page shows as the next numbered PNG.
func (b *browser) screenshot(name string) []byte {
	b.t.Helper()
	time.Sleep(300 * time.Millisecond) // let the last message scroll into view
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	b.nshots++
	path := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.nshots, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return png
}

// TestDemoInBrowser plays mcu demo in headless Chromium as a user would:
// the resident sends an appeal with the buttons and gets its number, the
// housing curator takes it, drafts the answer in reply to the bot's prompt
// and approves it, the resident sees the answer and rates it 5. Then mcu
// demo restarts: the page reconnects by itself and shows what happened
// meanwhile. Screenshots of each step go to the test's artifact directory
// (go test -artifacts keeps them); -update-screenshot rewrites
// docs/demo.png.
func TestDemoInBrowser(t *testing.T) {
	needChromium(t)
	if testing.Short() {
		t.Skip("starts PostgreSQL and a browser")
	}
	bin := buildMCU(t)
	dir, addr := demoDataDir(t), freeAddr(t)
	proc := startDemo(t, bin, dir, addr, "--reset")
	t.Logf("mcu demo --reset: the page answered %s after the start, the world was seeded after %s",
		proc.took.Round(time.Millisecond), proc.ready.Round(time.Millisecond))

	b := newBrowser(t)
	if err := chromedp.Do(b.ctx, chromedp.Navigate("http://"+addr+"/")); err != nil {
		t.Fatal(err)
	}

	// The resident writes to the bot for the first time.
	b.person("resident")
	b.until("the Start button", `!document.getElementById("startbtn").hidden`)
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.ID("startbtn"))); err != nil {
		t.Fatal(err)
	}
	b.press("Согласен", "")
	b.key("Новое сообщение")
	b.press("ЖКХ", "")
	b.write("Во дворе сломана горка, торчит арматура")
	b.upload(photoFile(t))
	b.until("the photo in the chat", `document.querySelector("#messages .msg.out img.photo")?.complete === true`)
	b.press("Дальше", "")
	// The summary offers the place and the phone.
	b.press("Изменить", "")
	b.press("Место", "")
	b.key("📍 Отправить геопозицию")
	b.until("the location dialog", `document.getElementById("locdialog").open`)
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.ID("locsend"))); err != nil {
		t.Fatal(err)
	}
	b.press("Изменить", "")
	b.press("Телефон", "")
	b.key("📱 Поделиться номером")
	b.press("Отправить", "")
	b.until("the registration number", `/\d{4}-\d{6}/.test(document.getElementById("messages").innerText)`)
	number, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById("messages").innerText.match(/\d{4}-\d{6}/)[0]`))
	if err != nil {
		t.Fatalf("registration number: %v", err)
	}
	b.screenshot("resident-registered")

	// The housing curator takes it in the direction's group and answers.
	b.person("curator")
	b.until("the resident's photo in the group", `[...document.querySelectorAll("#messages img.photo")].some(i => i.naturalWidth === 640)`)
	b.press("Взять в работу", number)
	b.press("Подготовить ответ", number)
	b.until("the force-reply prompt", `!document.getElementById("replybar").hidden`)
	b.screenshot("curator-prompt")
	b.write("Горку починим до пятницы, арматуру уже убрали.")
	b.press("Утвердить", number)
	b.until("the card says it is answered", fmt.Sprintf(`[...document.querySelectorAll('#messages .msg')].some(m => m.innerText.includes(%s) && m.innerText.includes("Статус: дан ответ"))`, js(number)))
	b.screenshot("curator-approved")

	// The resident reads the answer and rates it.
	b.person("resident")
	b.shows("Горку починим до пятницы")
	b.press("5", "Ответ на сообщение № "+number)
	b.shows("Ваша оценка: 5 из 5")
	png := b.screenshot("resident-rated")
	if *updateScreenshot {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "demo.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	if !strings.Contains(proc.out.String(), "http://"+addr+"/") {
		t.Errorf("mcu demo did not print its address; it printed:\n%s", proc.out.String())
	}

	// «Сводка сейчас»: the head's digest arrives in the head's chat.
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.ID("digest"))); err != nil {
		t.Fatal(err)
	}
	b.person("head")
	b.shows("Сводка на")
	b.screenshot("head-digest")
	b.person("resident")

	// mcu demo restarts; meanwhile the resident answers «Да» (through the
	// page's API, as another tab would): the page reconnects by itself and
	// shows it without a reload.
	proc.stop(t)
	b.until("the page notices the demo is gone", `document.body.dataset.live === "0"`)
	proc = startDemo(t, bin, dir, addr)
	t.Logf("mcu demo (second start): the page answered %s after the start", proc.took.Round(time.Millisecond))
	pressOverAPI(t, addr, "resident", "Да")
	b.until("the page is live again", `document.body.dataset.live === "1"`)
	b.shows("закрыто")
	b.screenshot("after-restart")
	proc.stop(t)
}

// pressOverAPI presses the inline button text on the newest message of the
// persona's private chat that has one, through the page's API.
func pressOverAPI(t *testing.T, addr, person, text string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/chats?person=" + person)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var view struct {
		Chats []struct {
			ID       int64 `json:"id"`
			Private  bool  `json:"private"`
			Messages []struct {
				ID      int            `json:"id"`
				Buttons [][]pageButton `json:"buttons"`
			} `json:"messages"`
		} `json:"chats"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&view); err != nil {
		t.Fatal(err)
	}
	for _, c := range view.Chats {
		for i := len(c.Messages) - 1; i >= 0 && c.Private; i-- {
			if m := c.Messages[i]; hasButton(m.Buttons, text) {
				form := url.Values{"person": {person}, "chat": {fmt.Sprint(c.ID)}, "message": {fmt.Sprint(m.ID)}, "button": {text}}
				req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/api/press", strings.NewReader(form.Encode()))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set(demo.ActionHeader, "1")
				r, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				r.Body.Close()
				if r.StatusCode != http.StatusOK {
					t.Fatalf("press %q: %s", text, r.Status)
				}
				return
			}
		}
	}
	t.Fatalf("no message with the button %q in %s's chat", text, person)
}

// pageButton is an inline button as the page's API shows it.
type pageButton struct {
	Text string `json:"text"`
}

func hasButton(rows [][]pageButton, text string) bool {
	for _, row := range rows {
		for _, b := range row {
			if b.Text == text {
				return true
			}
		}
	}
	return false
}

var updateIncidentScreenshot = flag.Bool("update-incident-screenshot", false, "rewrite docs/incident.png from the browser test of the demo's incident")

// TestDemoIncidentInBrowser: the demo's world has an incident in housing
// (world.json); the housing curator sees its card in the group «МЦУ:
// ЖКХ», and the cards of its appeals collapsed into one line each.
// -update-incident-screenshot rewrites docs/incident.png (docs/incidents.md
// shows it).
func TestDemoIncidentInBrowser(t *testing.T) {
	needChromium(t)
	if testing.Short() {
		t.Skip("starts PostgreSQL and a browser")
	}
	bin := buildMCU(t)
	dir, addr := demoDataDir(t), freeAddr(t)
	proc := startDemo(t, bin, dir, addr, "--reset")
	b := newBrowser(t)
	if err := chromedp.Do(b.ctx, chromedp.Navigate("http://"+addr+"/")); err != nil {
		t.Fatal(err)
	}
	const title = "Нет горячей воды, ул. Ленина 14–22"
	b.person("curator")
	b.shows("Инцидент «" + title + "»")
	b.until("three cards collapsed into the incident",
		fmt.Sprintf(`[...document.querySelectorAll('#messages .msg')].filter(m => m.innerText.includes(%s)).length === 3`, js("в инциденте «"+title+"»")))
	b.until("the incident's buttons", `[...document.querySelectorAll('#messages button.inline')].some(x => x.textContent === "Подготовить ответ")`)
	// The incident's card at the bottom, the collapsed cards above it.
	b.until("the card in view", fmt.Sprintf(`(() => {
		const m = [...document.querySelectorAll('#messages .msg')].filter(m => m.innerText.includes(%s));
		if (m.length === 0) return false;
		m[m.length - 1].scrollIntoView({block: "end"});
		return true;
	})()`, js("Инцидент «"+title+"»")))
	png := b.screenshot("curator-incident")
	if *updateIncidentScreenshot {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "incident.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	proc.stop(t)
}
