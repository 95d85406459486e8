// Shared by the identity pages: the words for visibilities and roles.
import { t } from "../app.js";
import { el } from "../dom.js";

/** A visibility badge: the word is the information, the colour only helps. */
export function visibilityBadge(visibility) {
  return el("span", { text: t(`identity.visibility_${visibility}`), className: `badge badge--${visibility}` });
}

export function roleText(role) {
  return t(`identity.role_${role}`);
}

export function accountRoleText(role) {
  return t(`identity.account_${role}`);
}

/** A button whose accessible name says whose item it acts on: visible word + hidden person. */
export function actionButton(label, person, className = "button") {
  const button = el("button", { text: label, className, attrs: { type: "button" } });
  if (person) button.append(el("span", { text: t("identity.for_person", { name: person }), className: "visually-hidden" }));
  return button;
}

