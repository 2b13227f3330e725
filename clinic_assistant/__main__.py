from clinic_assistant.cli import main

main()
