// Reading aids for public pages and the kiosk: three text sizes (remembered in localStorage),
// furigana from the server's reading segments (built as <ruby> with textContent, never HTML), and
// reading aloud with the browser's ja-JP speech synthesis.
import { t } from "../app.js";

const SIZES = ["normal", "large", "largest"];
const SIZE_KEY = "dejima.textSize";
const RUBY_KEY = "dejima.furigana";

export function textSize() {
  const stored = localStorage.getItem(SIZE_KEY);
  return SIZES.includes(stored) ? stored : "normal";
}

export function furiganaOn() {
  return localStorage.getItem(RUBY_KEY) === "1";
}

function applySize(size) {
  document.documentElement.dataset.textSize = size;
}

/** Text with furigana: <ruby>漢字<rt>かんじ</rt></ruby> for segments that carry ruby. */
export function rubyNodes(segments) {
  const out = [];
  for (const segment of segments || []) {
    if (segment.ruby) {
      const ruby = document.createElement("ruby");
      ruby.append(document.createTextNode(segment.text));
      const rt = document.createElement("rt");
      rt.textContent = segment.ruby;
      ruby.append(rt);
      out.push(ruby);
    } else {
      out.push(document.createTextNode(segment.text));
    }
  }
  return out;
}

/** Say `text` aloud in Japanese; a second press stops. */
export function readAloud(text) {
  if (!("speechSynthesis" in window)) return false;
  if (speechSynthesis.speaking) {
    speechSynthesis.cancel();
    return true;
  }
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = "ja-JP";
  speechSynthesis.speak(utterance);
  return true;
}

/**
 * Put the size buttons and the furigana switch into `container`; `onFurigana(on)` re-renders.
 * `speak()` returns the text to read aloud (null hides the button).
 */
export function setupReadingTools(container, { onFurigana, speak } = {}) {
  applySize(textSize());
  const buttons = [];
  const render = () => {
    container.replaceChildren();
    for (const size of SIZES) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button--quiet";
      button.textContent = t(`news.size_${size}`);
      button.setAttribute("aria-pressed", String(textSize() === size));
      button.addEventListener("click", () => {
        localStorage.setItem(SIZE_KEY, size);
        applySize(size);
        for (const other of buttons) other.setAttribute("aria-pressed", String(other === button));
      });
      buttons.push(button);
      container.append(button);
    }
    if (onFurigana) {
      const ruby = document.createElement("button");
      ruby.type = "button";
      ruby.className = "button button--quiet";
      ruby.textContent = t("news.furigana");
      ruby.setAttribute("aria-pressed", String(furiganaOn()));
      ruby.addEventListener("click", () => {
        const on = !furiganaOn();
        localStorage.setItem(RUBY_KEY, on ? "1" : "0");
        ruby.setAttribute("aria-pressed", String(on));
        onFurigana(on);
      });
      container.append(ruby);
    }
    if (speak && "speechSynthesis" in window) {
      const aloud = document.createElement("button");
      aloud.type = "button";
      aloud.className = "button button--quiet";
      aloud.textContent = t("news.read_aloud");
      aloud.addEventListener("click", () => {
        const text = speak();
        if (text) readAloud(text);
      });
      container.append(aloud);
    }
  };
  render();
  return { rerender: () => { buttons.length = 0; render(); } };
}
