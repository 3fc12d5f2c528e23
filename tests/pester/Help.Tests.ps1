BeforeDiscovery {
    Import-Module $env:KAELIO_MODULE_PATH -Force
    $script:Commands = Get-Command -Module KaelioProxy | ForEach-Object { @{ Name = $_.Name } }
}

BeforeAll {
    Import-Module $env:KAELIO_MODULE_PATH -Force
    $script:Common = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name +
        [System.Management.Automation.Internal.ShouldProcessParameters].GetProperties().Name
}

Describe 'Help for <Name>' -ForEach $Commands {
    BeforeAll { $script:Help = Get-Help $Name -Full }

    It 'has a synopsis and a description' {
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        $Help.Synopsis | Should -Not -BeLike "*$Name*[[]*"   # not PowerShell's generated syntax stand-in
        $Help.description.Text | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $parameters = (Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin $Common }
        foreach ($parameter in $parameters) {
            $text = ($Help.parameters.parameter | Where-Object name -eq $parameter).description.Text
            $text | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
    }

    It 'has examples that use the command' {
        $examples = @((Get-Help $Name -Examples).examples.example)
        $examples.Count | Should -BeGreaterThan 0
        $examples | ForEach-Object { $_.code | Should -Match ([regex]::Escape($Name)) }
    }
}
