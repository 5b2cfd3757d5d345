fn main() -> std::process::ExitCode {
    labdeck::cli::main()
}
