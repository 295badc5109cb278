//! The command line speaks Chinese (issue 19, finding 8): `--help` of the program and of its
//! commands, with the command and option names as they are.

use std::process::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(args)
        .output()
        .expect("run yizhan");
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("UTF-8 help")
}

#[test]
fn help_is_in_chinese_with_the_english_names() {
    let top = help(&["--help"]);
    for want in [
        "用法:yizhan",
        "命令:",
        "选项:",
        "serve",
        "启动网站服务",
        "--database",
        "显示帮助",
        "显示版本",
    ] {
        assert!(top.contains(want), "{want:?} in {top}");
    }
    let sub = help(&["calendar", "add-working-days", "--help"]);
    for want in ["参数:", "<DATE>", "起算日期", "--region", "显示帮助"] {
        assert!(sub.contains(want), "{want:?} in {sub}");
    }
    for text in [&top, &sub, &help(&["checkpoint", "--help"])] {
        for english in [
            "Usage:",
            "Options:",
            "Commands:",
            "Arguments:",
            "Print help",
            "Print version",
        ] {
            assert!(!text.contains(english), "{english:?} in {text}");
        }
    }
}
