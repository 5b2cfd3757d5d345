//! Colours by role. `NO_COLOR` (or theme "mono") draws with modifiers only.

use ratatui::style::{Color, Modifier, Style};
use std::collections::BTreeMap;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub mono: bool,
    pub accent: Color,
    pub text: Color,
    pub dim: Color,
    pub ok: Color,
    pub warn: Color,
    pub error: Color,
    pub selection: Color,
    pub border: Color,
}

const ROLES: [&str; 8] = ["accent", "text", "dim", "ok", "warn", "error", "selection", "border"];

impl Theme {
    pub fn from_config(
        name: &str,
        colors: &BTreeMap<String, String>,
        no_color: bool,
    ) -> Result<Theme, (String, String)> {
        let mut t = match name {
            "light" => Theme {
                mono: false,
                accent: Color::Blue,
                text: Color::Black,
                dim: Color::DarkGray,
                ok: Color::Green,
                warn: Color::Rgb(176, 110, 0),
                error: Color::Red,
                selection: Color::Rgb(200, 215, 240),
                border: Color::Gray,
            },
            _ => Theme {
                mono: false,
                accent: Color::Cyan,
                text: Color::Reset,
                dim: Color::DarkGray,
                ok: Color::Green,
                warn: Color::Yellow,
                error: Color::LightRed,
                selection: Color::Rgb(40, 60, 90),
                border: Color::DarkGray,
            },
        };
        for (role, value) in colors {
            let c = Color::from_str(value).map_err(|_| {
                (role.clone(), format!("'{value}' is not a colour (a name like \"magenta\" or \"#rrggbb\")"))
            })?;
            match role.as_str() {
                "accent" => t.accent = c,
                "text" => t.text = c,
                "dim" => t.dim = c,
                "ok" => t.ok = c,
                "warn" => t.warn = c,
                "error" => t.error = c,
                "selection" => t.selection = c,
                "border" => t.border = c,
                _ => {
                    return Err((role.clone(), format!("unknown colour role (known: {})", ROLES.join(", "))));
                }
            }
        }
        if no_color || name == "mono" {
            t = Theme::mono();
        }
        Ok(t)
    }

    pub fn mono() -> Theme {
        Theme {
            mono: true,
            accent: Color::Reset,
            text: Color::Reset,
            dim: Color::Reset,
            ok: Color::Reset,
            warn: Color::Reset,
            error: Color::Reset,
            selection: Color::Reset,
            border: Color::Reset,
        }
    }

    pub fn text(&self) -> Style {
        Style::default().fg(self.text)
    }
    pub fn dim(&self) -> Style {
        if self.mono { Style::default().add_modifier(Modifier::DIM) } else { Style::default().fg(self.dim) }
    }
    pub fn accent(&self) -> Style {
        Style::default().fg(self.accent).add_modifier(Modifier::BOLD)
    }
    pub fn ok(&self) -> Style {
        Style::default().fg(self.ok)
    }
    pub fn warn(&self) -> Style {
        Style::default().fg(self.warn)
    }
    pub fn error(&self) -> Style {
        if self.mono { Style::default().add_modifier(Modifier::BOLD) } else { Style::default().fg(self.error) }
    }
    pub fn selected(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().bg(self.selection).add_modifier(Modifier::BOLD)
        }
    }
    pub fn border(&self) -> Style {
        Style::default().fg(self.border)
    }
    pub fn header(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            Style::default().fg(self.accent).add_modifier(Modifier::BOLD)
        }
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::from_config("dark", &BTreeMap::new(), false).expect("built-in theme")
    }
}
