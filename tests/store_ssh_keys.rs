//! SSH keys and signing in with one: the same contract on SQLite and PostgreSQL.

mod common;

use common::services;
use labdeck::domain::Role;
use labdeck::domain::audit::Source;
use labdeck::domain::rbac::Actor;
use labdeck::domain::user::UserStatus;
use labdeck::engine::accounts::{self, AccountForm};
use labdeck::engine::{AppError, Services, admin, ssh_keys};
use labdeck::store::audit::AuditQuery;
use labdeck::store::{Store, StoreError};
use russh::keys::ssh_key::private::{Ed25519Keypair, KeypairData};
use russh::keys::{PrivateKey, PublicKey};

fn key(seed: u8, comment: &str) -> PublicKey {
    let private = PrivateKey::new(KeypairData::Ed25519(Ed25519Keypair::from_seed(&[seed; 32])), comment).unwrap();
    private.public_key().clone()
}

fn line(k: &PublicKey) -> String {
    k.to_openssh().unwrap()
}

async fn add(store: &Store, name: &str, role: Role) -> Actor {
    let form = AccountForm { username: name.into(), email: format!("{name}@example.org"), display_name: name.into() };
    let system = Actor::system("test");
    let (u, _) =
        accounts::create_user(&services(store), &system, &form, role, Some("long enough pw".into())).await.unwrap();
    store.load_actor(u.id).await.unwrap()
}

fn from_ssh(store: &Store) -> Services {
    Services::new(store.clone(), Source::Ssh { addr: "192.0.2.7".into(), key_fingerprint: None })
}

both!(keys_are_added_listed_and_removed_by_their_owner_or_an_admin, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let stu = add(&store, "stu", Role::Student).await;
    let k1 = key(1, "stu@laptop");
    // A student adds their own key; the comment is kept (sanitised), the fingerprint is ssh-keygen's.
    let added = ssh_keys::add(&svc, &stu, None, &format!("{}\n", line(&k1))).await.unwrap();
    assert_eq!(added.fingerprint, ssh_keys::fingerprint(&k1));
    assert!(added.fingerprint.starts_with("SHA256:"), "{}", added.fingerprint);
    assert_eq!((added.algorithm.as_str(), added.comment.as_str()), ("ssh-ed25519", "stu@laptop"));
    // The same key cannot go on a second account, nor twice on one.
    for who in [&ada, &stu] {
        let again = ssh_keys::add(&svc, who, None, &line(&k1)).await;
        assert!(matches!(again, Err(AppError::Store(StoreError::Conflict(_)))), "{again:?}");
    }
    // A student may not touch another account's keys; an admin may.
    let denied = ssh_keys::add(&svc, &stu, Some("ada"), &line(&key(2, ""))).await;
    assert!(matches!(denied, Err(AppError::Denied(_))), "{denied:?}");
    assert!(matches!(ssh_keys::list(&svc, &stu, Some("ada")).await, Err(AppError::Denied(_))));
    ssh_keys::add(&svc, &ada, Some("stu"), &line(&key(3, "second"))).await.unwrap();
    let listed = ssh_keys::list(&svc, &ada, Some("stu")).await.unwrap();
    assert_eq!(listed.iter().map(|k| k.comment.as_str()).collect::<Vec<_>>(), ["stu@laptop", "second"]);
    // The store checks the reader again.
    assert!(store.ssh_keys_of(&stu, ada.user_id).await.is_err());
    // Removing by fingerprint; an unknown one is a clear "not found".
    let gone = ssh_keys::remove(&svc, &stu, None, &added.fingerprint).await.unwrap();
    assert_eq!(gone.id, added.id);
    let missing = ssh_keys::remove(&svc, &stu, None, &added.fingerprint).await;
    assert!(matches!(missing, Err(AppError::Store(StoreError::NotFound(_)))), "{missing:?}");
    assert_eq!(ssh_keys::list(&svc, &stu, None).await.unwrap().len(), 1);
    // Every change is audited.
    let audit = admin::audit(&svc, &ada, &AuditQuery { text: "ssh_key".into(), ..Default::default() }).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"add_ssh_key") && actions.contains(&"remove_ssh_key"), "{actions:?}");
});

both!(a_key_signs_in_its_owner_only_and_never_a_locked_account, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let bob = add(&store, "bob", Role::Operator).await;
    let (ka, kb) = (key(7, "ada"), key(8, "bob"));
    ssh_keys::add(&svc, &ada, None, &line(&ka)).await.unwrap();
    ssh_keys::add(&svc, &bob, None, &line(&kb)).await.unwrap();
    let ssh = from_ssh(&store);
    assert!(ssh_keys::offered(&ssh, "ada", &ka).await.unwrap());
    assert!(!ssh_keys::offered(&ssh, "ada", &kb).await.unwrap(), "bob's key is not ada's");
    assert!(!ssh_keys::offered(&ssh, "nobody", &ka).await.unwrap());

    let session = ssh_keys::sign_in(&ssh, "ada", &ka).await.unwrap();
    assert_eq!((session.user.username.as_str(), session.actor.role), ("ada", Role::Admin));
    let keys = ssh_keys::list(&svc, &ada, None).await.unwrap();
    assert!(keys[0].last_used_at.is_some(), "the key's last use is recorded");
    assert!(matches!(ssh_keys::sign_in(&ssh, "ada", &kb).await, Err(AppError::Auth(_))));
    assert!(matches!(ssh_keys::sign_in(&ssh, "ada", &key(9, "")).await, Err(AppError::Auth(_))));

    admin::set_status(&svc, &ada, bob.user_id, UserStatus::Locked).await.unwrap();
    let locked = ssh_keys::sign_in(&ssh, "bob", &kb).await;
    assert!(matches!(&locked, Err(AppError::Auth(m)) if m.contains("locked")), "{locked:?}");

    // The audit names the SSH address as the source, and says why each refusal happened.
    let audit = admin::audit(&svc, &ada, &AuditQuery { text: "sign_in".into(), ..Default::default() }).await.unwrap();
    assert!(audit.iter().all(|a| a.source == "ssh:192.0.2.7"), "{audit:#?}");
    let outcomes: Vec<(&str, &str)> =
        audit.iter().map(|a| (a.outcome.as_str(), a.message.as_deref().unwrap_or(""))).collect();
    assert!(outcomes.iter().any(|(o, m)| *o == "success" && m.starts_with("SSH key SHA256:")), "{outcomes:?}");
    assert!(outcomes.iter().any(|(o, m)| *o == "failure" && m.starts_with("unknown SSH key")), "{outcomes:?}");
    assert!(outcomes.iter().any(|(o, m)| *o == "denied" && m.starts_with("account locked")), "{outcomes:?}");
});

#[test]
fn only_public_ed25519_or_ecdsa_key_lines_are_taken() {
    let good = line(&key(4, "me@host"));
    assert!(ssh_keys::parse(&format!("# my key\n\n{good}\n")).is_ok());
    for (bad, says) in [
        ("", "No public key"),
        ("ssh-ed25519 AAAAnot-base64 x", "not an OpenSSH public key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----", "private key"),
        ("hello world", "not an OpenSSH public key"),
    ] {
        match ssh_keys::parse(bad) {
            Err(AppError::Invalid(m)) => assert!(m.contains(says), "{bad:?}: {m}"),
            other => panic!("{bad:?} was taken: {other:?}"),
        }
    }
    let long = format!("ssh-ed25519 {}", "A".repeat(20_000));
    assert!(ssh_keys::parse(&long).is_err());
    // A comment with an escape sequence is cleaned.
    let evil = format!("{} x\u{1b}[2Jy", good.rsplit_once(' ').unwrap().0);
    assert!(!ssh_keys::parse(&evil).unwrap().comment.contains('\u{1b}'));
}
