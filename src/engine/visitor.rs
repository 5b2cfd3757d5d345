//! The visitor's side of support chat as engine ops, for a front door that speaks commands
//! (the `chat@` SSH session): the same use cases, sanitising and limits as the HTTP API,
//! which calls the functions in [`super::support`] directly. A visitor has no account: these
//! ops are the only ones the engine runs without an actor, and each names its chat by token.

use super::command::{Reply, Secret};
use super::support as uc;
use super::{AppError, Services};
use crate::store::support::{VisitorMessage, VisitorSession};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub enum VisitorOp {
    Start {
        name: String,
        email: String,
        subject: String,
        message: Option<String>,
    },
    Send {
        token: Secret,
        text: String,
    },
    /// The chat as it is now, and its messages after `after`.
    Poll {
        token: Secret,
        after: Option<Uuid>,
    },
}

#[derive(Debug, Clone)]
pub enum VisitorOut {
    Started { session: VisitorSession, token: Secret },
    Sent(VisitorMessage),
    Messages { session: VisitorSession, messages: Vec<VisitorMessage> },
}

pub async fn execute(svc: &Services, op: VisitorOp) -> Result<Reply, AppError> {
    let out = match op {
        VisitorOp::Start { name, email, subject, message } => {
            let started = uc::visitor_start(svc, &svc.source, &name, &email, "", &subject, message.as_deref()).await?;
            VisitorOut::Started { session: started.session, token: Secret(started.token) }
        }
        VisitorOp::Send { token, text } => {
            let session = uc::visitor_session(svc, &token.0).await?;
            VisitorOut::Sent(uc::visitor_send(svc, &session, &text).await?)
        }
        VisitorOp::Poll { token, after } => {
            let session = uc::visitor_session(svc, &token.0).await?;
            let messages = uc::visitor_messages(svc, &session, after).await?;
            VisitorOut::Messages { session, messages }
        }
    };
    Ok(Reply::Visitor(Box::new(out)))
}
